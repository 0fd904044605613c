package sms

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// intent is what an inbound message asks for.
type intent int

const (
	askOther intent = iota
	askBalance
	askHelp
)

// normalizeWord reduces a message to the letters, combining marks and digits it is made of,
// case-folded, in NFC: "Bal." -> "bal", " b a l " -> "bal". Devanagari vowel signs and the
// virama are marks (Mn, Mc), so Nepali words keep them; everything else (spaces, punctuation,
// symbols, emoji) goes. Nepali digits become ASCII digits so that both spellings match.
func normalizeWord(s string) string {
	s = norm.NFC.String(s)
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '०' && r <= '९':
			b.WriteRune('0' + (r - '०'))
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		case unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// wordSet classifies messages against the configured words.
type wordSet struct {
	balance, help map[string]bool
}

func newWordSet(w Words) wordSet {
	ws := wordSet{balance: map[string]bool{}, help: map[string]bool{}}
	for _, s := range w.Balance {
		ws.balance[normalizeWord(s)] = true
	}
	for _, s := range w.Help {
		ws.help[normalizeWord(s)] = true
	}
	return ws
}

// classify says what a message asks for. An empty message (or one of punctuation only, "?") is
// a request for help.
func (ws wordSet) classify(body string) intent {
	n := normalizeWord(body)
	switch {
	case n == "" || ws.help[n]:
		return askHelp
	case ws.balance[n]:
		return askBalance
	}
	return askOther
}

// scriptLanguage guesses the language of a message from its script, for senders whose language
// is not known (unregistered numbers): Devanagari means Nepali.
func scriptLanguage(body string) string {
	for _, r := range body {
		if unicode.Is(unicode.Devanagari, r) {
			return langNE
		}
	}
	return langEN
}
