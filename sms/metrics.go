package sms

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the rahat_sms_* collectors.
type metrics struct {
	inbound  *prometheus.CounterVec   // by channel (sms, voice) and outcome
	latency  *prometheus.HistogramVec // webhook handling time, by channel
	outbound *prometheus.CounterVec   // send attempts by kind and result
	status   *prometheus.CounterVec   // delivery callbacks by status
	notices  prometheus.Counter       // allocation notices queued
}

func newMetrics(reg *prometheus.Registry) (*metrics, error) {
	var err error
	m := &metrics{}
	if m.inbound, err = register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "rahat_sms_inbound_total",
		Help: "Inbound webhook requests by channel (sms, voice) and outcome (balance, help, unknown_number, " +
			"rate_limited, silenced, forbidden, bad_request, error).",
	}, []string{"channel", "outcome"})); err != nil {
		return nil, err
	}
	if m.latency, err = register(reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "rahat_sms_webhook_seconds",
		Help:    "Time to answer an inbound SMS or call webhook.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
	}, []string{"channel"})); err != nil {
		return nil, err
	}
	if m.outbound, err = register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "rahat_sms_outbound_attempts_total",
		Help: "Outbound send attempts by kind (claim_code, allocation) and result (accepted, reconciled, " +
			"retry, failed, expired, cancelled).",
	}, []string{"kind", "result"})); err != nil {
		return nil, err
	}
	if m.status, err = register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "rahat_sms_delivery_status_total",
		Help: "Twilio delivery status callbacks by status.",
	}, []string{"status"})); err != nil {
		return nil, err
	}
	if m.notices, err = register(reg, prometheus.NewCounter(prometheus.CounterOpts{
		Name: "rahat_sms_allocation_notices_total",
		Help: "Allocation notices queued.",
	})); err != nil {
		return nil, err
	}
	return m, nil
}

// register registers c, or returns the collector already registered under its name, so that
// two Services on one registry share their metrics.
func register[C prometheus.Collector](reg *prometheus.Registry, c C) (C, error) {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing, nil
			}
		}
		return c, fmt.Errorf("registering sms metrics: %w", err)
	}
	return c, nil
}
