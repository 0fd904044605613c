package sms

import (
	"net/http"
	"strconv"
)

// statusRank orders Twilio's message statuses so that callbacks, which may arrive out of order,
// only ever move a message forward. Final statuses share the top rank.
func statusRank(status string) int16 {
	switch status {
	case "accepted", "scheduled", "queued":
		return 1
	case "sending":
		return 2
	case "sent":
		return 3
	case "delivered", "undelivered", "failed", "canceled", "read":
		return 4
	}
	return 1
}

// statusSQL applies a delivery callback. The callback URL names our message id, so a callback
// that arrives before the sid was recorded (the answer to the create call lost in a crash)
// records the sid too, and settles an attempt left "sending": Twilio has the message.
const statusSQL = `
UPDATE sms_outbound SET
    sid = coalesce(sid, $2),
    status = CASE WHEN status_rank > $4 THEN status ELSE $3 END,
    status_rank = greatest(status_rank, $4),
    error_code = coalesce($5, error_code),
    status_at = now(),
    state = CASE WHEN state IN ('pending', 'sending') THEN 'accepted' ELSE state END,
    accepted_at = CASE WHEN state IN ('pending', 'sending') THEN now() ELSE accepted_at END,
    body_enc = CASE WHEN state IN ('pending', 'sending') THEN NULL ELSE body_enc END
WHERE (id = $1 OR ($1 = 0 AND sid = $2)) AND (sid IS NULL OR sid = $2)`

// handleStatus records a Twilio status callback (POST /sms/status?id=N).
func (s *Service) handleStatus(w http.ResponseWriter, r *http.Request) {
	if !s.verified(w, r, "status") {
		return
	}
	id, _ := strconv.ParseInt(r.URL.Query().Get("id"), 10, 64)
	sid := r.PostForm.Get("MessageSid")
	status := r.PostForm.Get("MessageStatus")
	if sid == "" || status == "" || id < 0 {
		http.Error(w, "MessageSid and MessageStatus are required", http.StatusBadRequest)
		return
	}
	var code *int32
	if c, err := strconv.ParseInt(r.PostForm.Get("ErrorCode"), 10, 32); err == nil && c != 0 {
		c32 := int32(c)
		code = &c32
	}
	tag, err := s.db.Exec(r.Context(), statusSQL, id, sid, status, statusRank(status), code)
	if err != nil {
		s.log.Error("sms: recording a delivery status", "message", id, "err", err)
		http.Error(w, "try again", http.StatusServiceUnavailable) // shows in Twilio's debugger
		return
	}
	s.m.status.WithLabelValues(status).Inc()
	if tag.RowsAffected() == 0 {
		s.log.Warn("sms: delivery status for an unknown message", "message", id, "status", status)
	}
	w.WriteHeader(http.StatusNoContent)
}
