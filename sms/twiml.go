package sms

import (
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"
)

// TwiML responses. They are small enough to write by hand; every text goes through
// xml.EscapeText, so a symbol or message can never inject markup.

const twimlHeader = `<?xml version="1.0" encoding="UTF-8"?>`

func escape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// messageTwiML answers an SMS with one message, or with nothing when text is empty.
func messageTwiML(text string) string {
	if text == "" {
		return twimlHeader + "<Response/>"
	}
	return twimlHeader + "<Response><Message>" + escape(text) + "</Message></Response>"
}

// sayTwiML answers a call by saying text (twice: a caller may miss the first time) and hanging up.
func sayTwiML(text string, v Voice, loop int) string {
	var attrs strings.Builder
	if v.Language != "" {
		attrs.WriteString(` language="` + escape(v.Language) + `"`)
	}
	if v.Voice != "" {
		attrs.WriteString(` voice="` + escape(v.Voice) + `"`)
	}
	if loop > 1 {
		attrs.WriteString(` loop="` + strconv.Itoa(loop) + `"`)
	}
	return twimlHeader + "<Response><Say" + attrs.String() + ">" + escape(text) + "</Say><Hangup/></Response>"
}

// hangupTwiML ends a call without a word.
func hangupTwiML() string { return twimlHeader + "<Response><Hangup/></Response>" }

func writeTwiML(w http.ResponseWriter, body string) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte(body))
}
