package twiliofake

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Message is a message the fake accepted.
type Message struct {
	SID, To, From, Body, Status, StatusCallback, MessagingServiceSID string
	Created                                                          time.Time
}

// Mode says what a scripted create call does.
type Mode int

const (
	// Respond answers with Status and Twilio's error JSON (Code, Message); nothing is stored.
	Respond Mode = iota
	// AcceptThenDrop stores the message and closes the connection without an answer.
	AcceptThenDrop
	// AcceptThenHang stores the message and holds the request open until Release.
	AcceptThenHang
)

// Fault is the scripted outcome of one create call.
type Fault struct {
	Mode    Mode
	Status  int
	Code    int
	Message string
}

// Server is a running fake.
type Server struct {
	AccountSID, AuthToken string

	srv      *httptest.Server
	mu       sync.Mutex
	messages []Message // oldest first
	faults   []Fault
	creates  int
	lists    int
	accepted chan Message
	release  chan struct{}
	released sync.Once
	client   *http.Client
}

// New starts a fake for one account on 127.0.0.1.
func New(accountSID, authToken string) *Server {
	s := &Server{AccountSID: accountSID, AuthToken: authToken, accepted: make(chan Message, 1024),
		release: make(chan struct{}), client: &http.Client{Timeout: 30 * time.Second}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /2010-04-01/Accounts/{account}/Messages.json", s.create)
	mux.HandleFunc("GET /2010-04-01/Accounts/{account}/Messages.json", s.list)
	mux.HandleFunc("GET /2010-04-01/Accounts/{account}/Messages/{file}", s.fetch)
	s.srv = httptest.NewServer(mux)
	return s
}

// URL is the base URL to give the client in place of https://api.twilio.com.
func (s *Server) URL() string { return s.srv.URL }

// Close releases hanging requests and stops the server.
func (s *Server) Close() {
	s.Release()
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// Release lets requests held by AcceptThenHang go (they are answered with the message).
func (s *Server) Release() { s.released.Do(func() { close(s.release) }) }

// Script queues faults for the next create calls, in order; calls beyond them succeed.
func (s *Server) Script(faults ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, faults...)
}

// Accepted delivers every message the fake stores, as it stores it.
func (s *Server) Accepted() <-chan Message { return s.accepted }

// Messages returns the stored messages, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.messages)
}

// Creates returns the number of create calls received, failed ones included.
func (s *Server) Creates() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.creates
}

// Lists returns the number of list calls received.
func (s *Server) Lists() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lists
}

// apiError writes Twilio's error object.
func apiError(w http.ResponseWriter, status, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"code": code, "message": msg, "more_info": fmt.Sprintf("https://www.twilio.com/docs/errors/%d", code), "status": status,
	})
}

// authorized checks HTTP basic auth and the account in the path, as Twilio does.
func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	user, pass, ok := r.BasicAuth()
	if !ok || user != s.AccountSID || pass != s.AuthToken {
		apiError(w, http.StatusUnauthorized, 20003, "Authenticate")
		return false
	}
	if r.PathValue("account") != s.AccountSID {
		apiError(w, http.StatusNotFound, 20404, "The requested resource "+r.URL.Path+" was not found")
		return false
	}
	return true
}

var e164 = regexp.MustCompile(`^\+[1-9]\d{6,14}$`)

func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r) {
		return
	}
	if err := r.ParseForm(); err != nil {
		apiError(w, http.StatusBadRequest, 20001, "Invalid form")
		return
	}
	s.mu.Lock()
	s.creates++
	var fault *Fault
	if len(s.faults) > 0 {
		f := s.faults[0]
		s.faults = s.faults[1:]
		fault = &f
	}
	s.mu.Unlock()
	if fault != nil && fault.Mode == Respond {
		apiError(w, fault.Status, fault.Code, fault.Message)
		return
	}
	f := r.PostForm
	to, from, body, svc := f.Get("To"), f.Get("From"), f.Get("Body"), f.Get("MessagingServiceSid")
	switch {
	case to == "":
		apiError(w, http.StatusBadRequest, 21604, "A 'To' phone number is required.")
		return
	case !e164.MatchString(to):
		apiError(w, http.StatusBadRequest, 21211, fmt.Sprintf("Invalid 'To' Phone Number: %s", to))
		return
	case from == "" && svc == "":
		apiError(w, http.StatusBadRequest, 21603, "A 'From' phone number is required.")
		return
	case body == "":
		apiError(w, http.StatusBadRequest, 21602, "Message body is required.")
		return
	}
	var b [16]byte
	_, _ = rand.Read(b[:])
	m := Message{SID: "SM" + hex.EncodeToString(b[:]), To: to, From: from, Body: body, Status: "queued",
		StatusCallback: f.Get("StatusCallback"), MessagingServiceSID: svc, Created: time.Now().UTC().Truncate(time.Second)}
	s.mu.Lock()
	s.messages = append(s.messages, m)
	s.mu.Unlock()
	s.accepted <- m
	switch {
	case fault != nil && fault.Mode == AcceptThenDrop:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler) // also ends the connection without an answer
	case fault != nil && fault.Mode == AcceptThenHang:
		select {
		case <-s.release:
		case <-r.Context().Done():
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(s.resource(m))
}

// resource renders a message as Twilio's JSON resource.
func (s *Server) resource(m Message) map[string]any {
	date := m.Created.Format(time.RFC1123Z)
	uri := fmt.Sprintf("/2010-04-01/Accounts/%s/Messages/%s.json", s.AccountSID, m.SID)
	var svc any
	if m.MessagingServiceSID != "" {
		svc = m.MessagingServiceSID
	}
	return map[string]any{
		"account_sid": s.AccountSID, "api_version": "2010-04-01", "body": m.Body, "date_created": date,
		"date_sent": nil, "date_updated": date, "direction": "outbound-api", "error_code": nil, "error_message": nil,
		"from": m.From, "messaging_service_sid": svc, "num_media": "0", "num_segments": "1", "price": nil,
		"price_unit": "USD", "sid": m.SID, "status": m.Status, "to": m.To, "uri": uri,
		"subresource_uris": map[string]string{"media": strings.TrimSuffix(uri, ".json") + "/Media.json"},
	}
}

func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r) {
		return
	}
	q := r.URL.Query()
	size, err := strconv.Atoi(q.Get("PageSize"))
	if err != nil || size <= 0 {
		size = 50
	}
	s.mu.Lock()
	s.lists++
	var out []map[string]any
	for i := len(s.messages) - 1; i >= 0 && len(out) < size; i-- { // newest first, as Twilio lists
		m := s.messages[i]
		if (q.Get("To") == "" || q.Get("To") == m.To) && (q.Get("From") == "" || q.Get("From") == m.From) {
			out = append(out, s.resource(m))
		}
	}
	s.mu.Unlock()
	uri := r.URL.Path + "?" + q.Encode()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"messages": append([]map[string]any{}, out...), "end": max(len(out)-1, 0), "first_page_uri": uri,
		"next_page_uri": nil, "page": 0, "page_size": size, "previous_page_uri": nil, "start": 0, "uri": uri,
	})
}

func (s *Server) fetch(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r) {
		return
	}
	sid := strings.TrimSuffix(r.PathValue("file"), ".json")
	for _, m := range s.Messages() {
		if m.SID == sid {
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(s.resource(m))
			return
		}
	}
	apiError(w, http.StatusNotFound, 20404, "The requested resource "+r.URL.Path+" was not found")
}

// Sign computes the X-Twilio-Signature Twilio sends with a webhook request to fullURL.
func (s *Server) Sign(fullURL string, params url.Values) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	data := fullURL
	for _, k := range keys {
		for _, v := range params[k] {
			data += k + v
		}
	}
	mac := hmac.New(sha1.New, []byte(s.AuthToken))
	mac.Write([]byte(data))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Post makes a webhook request as Twilio does: form-encoded and signed over signURL (the URL
// configured at Twilio), sent to target (where the server listens; usually the same). An empty
// signature header is sent when sign is false. It returns the status and the body.
func (s *Server) Post(ctx context.Context, target, signURL string, params url.Values, sign bool) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(params.Encode()))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "TwilioProxy/1.1")
	if sign {
		req.Header.Set("X-Twilio-Signature", s.Sign(signURL, params))
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// Deliver moves a stored message to status and posts the signed status callback the message
// asked for, returning the callback's HTTP status.
func (s *Server) Deliver(ctx context.Context, sid, status string, errorCode int) (int, error) {
	s.mu.Lock()
	i := slices.IndexFunc(s.messages, func(m Message) bool { return m.SID == sid })
	if i < 0 {
		s.mu.Unlock()
		return 0, fmt.Errorf("twiliofake: no message %s", sid)
	}
	s.messages[i].Status = status
	m := s.messages[i]
	s.mu.Unlock()
	if m.StatusCallback == "" {
		return 0, fmt.Errorf("twiliofake: message %s asked for no status callback", sid)
	}
	p := url.Values{"AccountSid": {s.AccountSID}, "From": {m.From}, "To": {m.To}, "MessageSid": {sid},
		"SmsSid": {sid}, "MessageStatus": {status}, "SmsStatus": {status}, "ApiVersion": {"2010-04-01"}}
	if errorCode != 0 {
		p.Set("ErrorCode", strconv.Itoa(errorCode))
	}
	code, _, err := s.Post(ctx, m.StatusCallback, m.StatusCallback, p, true)
	return code, err
}
