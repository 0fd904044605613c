package sms

import (
	"fmt"
	"math/big"
	"strings"
	"unicode"
)

// The languages of reg_beneficiaries.language.
const (
	langEN = "en"
	langNE = "ne"
)

// maxFraction is how many decimals an amount shows. Amounts are truncated, never rounded, so that
// a reply never shows more than a beneficiary can spend.
const maxFraction = 2

// formatAmount renders v / 10^decimals with at most maxFraction decimals, trailing zeros trimmed,
// no grouping (every character counts in an SMS): 1250500000000000000000 with 18 decimals is
// "1250.5".
func formatAmount(v *big.Int, decimals uint8) string {
	if v == nil {
		v = new(big.Int)
	}
	neg := v.Sign() < 0
	abs := new(big.Int).Abs(v)
	s := abs.String()
	d := int(decimals)
	var whole, frac string
	if len(s) > d {
		whole, frac = s[:len(s)-d], s[len(s)-d:]
	} else {
		whole, frac = "0", strings.Repeat("0", d-len(s))+s
	}
	if len(frac) > maxFraction {
		frac = frac[:maxFraction]
	}
	frac = strings.TrimRight(frac, "0")
	out := whole
	if frac != "" {
		out += "." + frac
	}
	if neg && strings.Trim(out, "0.") != "" {
		out = "-" + out
	}
	return out
}

// localDigits writes the ASCII digits of s in the language's digits: Devanagari ०-९ for Nepali.
func localDigits(lang, s string) string {
	if lang != langNE {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return '०' + (r - '0')
		}
		return r
	}, s)
}

// tokenLine is one token of a balance reply, amounts already summed over the beneficiary's
// registrations.
type tokenLine struct {
	Symbol                                  string
	Decimals                                uint8
	Available, Allocated, Received, Claimed *big.Int
}

// texts holds one language's wording. Every template was measured: see text_test.go, which
// renders each with realistic values and checks that it fits one segment.
type texts struct {
	balanceFull    string // "RHT" then four amounts, per token
	balanceFullSep string
	balanceHead    string
	compactHead    string // the legend of the compact form
	compactSep     string
	shortHead      string // available only
	shortSep       string
	noTokens       string
	help           string // %[1]s balance word, %[2]s help word
	unknown        string
	rateLimited    string // %s minutes
	unavailable    string
	claimCode      string // %[1]s amount, %[2]s symbol, %[3]s code
	allocation     string // %[1]s symbol, %[2]s amount, %[3]s balance word
	voiceHead      string
	voiceNoTokens  string
	voiceUnknown   string
	voiceRateLimit string
}

var wording = map[string]texts{
	langEN: {
		balanceFull:    "%s: available %s, allocated %s, received %s, claimed %s.",
		balanceFullSep: " ",
		balanceHead:    "Rahat balance. ",
		compactHead:    "Rahat (available/allocated/received/claimed): ",
		compactSep:     "; ",
		shortHead:      "Rahat available: ",
		shortSep:       ", ",
		noTokens:       "Rahat: you have no tokens yet.",
		help:           "Rahat: text %[1]s for your balance, %[2]s for this help. Calling this number tells your balance too.",
		unknown:        "Rahat: this number is not registered. Please contact your aid office.",
		rateLimited:    "Rahat: too many messages. Please wait %s minutes and try again.",
		unavailable:    "Rahat: the service is busy. Please try again later.",
		claimCode:      "Rahat: a vendor is requesting %[1]s %[2]s; give this code only if you agree: %[3]s",
		allocation:     "Rahat: your %[1]s allocation is now %[2]s. Text %[3]s for your balance.",
		voiceHead:      "Your Rahat balance. ",
		voiceNoTokens:  "You have no Rahat tokens yet.",
		voiceUnknown:   "This number is not registered with Rahat. Please contact your aid office.",
		voiceRateLimit: "Too many calls. Please try again later.",
	},
	langNE: {
		balanceFull:    "%s: उपलब्ध %s, बाँडफाँट %s, प्राप्त %s, खर्च %s।",
		balanceFullSep: " ",
		balanceHead:    "राहत ",
		compactHead:    "राहत (उपलब्ध/बाँडफाँट/प्राप्त/खर्च): ",
		compactSep:     "; ",
		shortHead:      "राहत उपलब्ध: ",
		shortSep:       ", ",
		noTokens:       "राहत: तपाईंसँग अहिले कुनै टोकन छैन।",
		help:           "राहत: ब्यालेन्स जान्न %[1]s पठाउनुहोस्, मद्दतका लागि %[2]s।",
		unknown:        "राहत: यो नम्बर दर्ता छैन। सहायता कार्यालयमा सम्पर्क गर्नुहोस्।",
		rateLimited:    "राहत: धेरै सन्देश आए। %s मिनेटपछि फेरि पठाउनुहोस्।",
		unavailable:    "राहत: सेवा अहिले व्यस्त छ। पछि फेरि प्रयास गर्नुहोस्।",
		claimCode:      "राहत: पसलले %[1]s %[2]s माग्दैछ; सहमत भए मात्र कोड दिनुहोस्: %[3]s",
		allocation:     "राहत: %[1]s बाँडफाँट अब %[2]s भयो। ब्यालेन्स जान्न %[3]s पठाउनुहोस्।",
		voiceHead:      "तपाईंको राहत ब्यालेन्स। ",
		voiceNoTokens:  "तपाईंसँग अहिले कुनै राहत टोकन छैन।",
		voiceUnknown:   "यो नम्बर राहतमा दर्ता छैन। सहायता कार्यालयमा सम्पर्क गर्नुहोस्।",
		voiceRateLimit: "धेरै कल आए। पछि फेरि प्रयास गर्नुहोस्।",
	},
}

// textsFor returns the wording of a language, English for any language without its own.
func textsFor(lang string) (string, texts) {
	if t, ok := wording[lang]; ok {
		return lang, t
	}
	return langEN, wording[langEN]
}

// amounts renders a line's four amounts in the language's digits.
func (l tokenLine) amounts(lang string) (avail, alloc, recv, claimed string) {
	f := func(v *big.Int) string { return localDigits(lang, formatAmount(v, l.Decimals)) }
	return f(l.Available), f(l.Allocated), f(l.Received), f(l.Claimed)
}

// balanceCandidates renders a balance reply at decreasing levels of detail: every amount with
// its label; every amount under one legend; the available amounts only.
func balanceCandidates(lang string, lines []tokenLine) []string {
	lang, t := textsFor(lang)
	if len(lines) == 0 {
		return []string{t.noTokens}
	}
	var full, compact, short []string
	for _, l := range lines {
		a, b, c, d := l.amounts(lang)
		full = append(full, fmt.Sprintf(t.balanceFull, l.Symbol, a, b, c, d))
		compact = append(compact, l.Symbol+" "+a+"/"+b+"/"+c+"/"+d)
		short = append(short, l.Symbol+" "+a)
	}
	return []string{
		t.balanceHead + strings.Join(full, t.balanceFullSep),
		t.compactHead + strings.Join(compact, t.compactSep),
		t.shortHead + strings.Join(short, t.shortSep),
	}
}

// fitting picks, among candidates ordered from most to least detailed, the most detailed one
// sent in the fewest segments: one segment if any fits, and the full detail when nothing would
// fit in fewer segments anyway.
func fitting(candidates []string) string {
	best, bestSeg := "", 0
	for _, c := range candidates {
		if s := Segments(c); best == "" || s < bestSeg {
			best, bestSeg = c, s
		}
	}
	return best
}

// balanceText is the SMS reply to a balance request.
func balanceText(lang string, lines []tokenLine) string {
	return fitting(balanceCandidates(lang, lines))
}

// voiceText is what the voice webhook says: every amount with its label; a call has no segments.
func voiceText(lang string, lines []tokenLine) string {
	lang, t := textsFor(lang)
	if len(lines) == 0 {
		return t.voiceNoTokens
	}
	var parts []string
	for _, l := range lines {
		a, b, c, d := l.amounts(lang)
		parts = append(parts, fmt.Sprintf(t.balanceFull, spellSymbol(l.Symbol), a, b, c, d))
	}
	return t.voiceHead + strings.Join(parts, " ")
}

// spellSymbol separates the letters of an upper-case symbol ("RHT" -> "R H T") so that a voice
// spells it rather than guessing a word.
func spellSymbol(s string) string {
	for _, r := range s {
		if !unicode.IsUpper(r) && !unicode.IsDigit(r) {
			return s
		}
	}
	return strings.Join(strings.Split(s, ""), " ")
}

// wordFor returns the first configured word written in the language's script, or the first word.
func wordFor(lang string, words []string) string {
	for _, w := range words {
		if scriptLanguage(w) == lang {
			return w
		}
	}
	if len(words) > 0 {
		return words[0]
	}
	return ""
}

// helpText lists what can be asked. Nepali help names the ASCII word too: many basic phones
// cannot type Devanagari.
func helpText(lang string, w Words) string {
	lang, t := textsFor(lang)
	bal := wordFor(langEN, w.Balance)
	if nb := wordFor(langNE, w.Balance); lang == langNE && nb != bal && scriptLanguage(nb) == langNE {
		bal = bal + " / " + nb
	}
	return fmt.Sprintf(t.help, bal, wordFor(langEN, w.Help))
}

func unknownText(lang string) string { _, t := textsFor(lang); return t.unknown }

func unavailableText(lang string) string { _, t := textsFor(lang); return t.unavailable }

func rateLimitedText(lang string, window int) string {
	lang, t := textsFor(lang)
	return fmt.Sprintf(t.rateLimited, localDigits(lang, fmt.Sprint(window)))
}

// claimCodeText is the one-time code message. The code stays in ASCII digits in every language:
// the vendor types it into a device, and a code must survive being read out or shown as it is.
func claimCodeText(lang string, amount *big.Int, decimals uint8, symbol, code string) string {
	lang, t := textsFor(lang)
	return fmt.Sprintf(t.claimCode, localDigits(lang, formatAmount(amount, decimals)), symbol, code)
}

// allocationText is the notice of a new allocation (TokensAllocated sets the remaining allocation,
// so the notice states the new value rather than an increment).
func allocationText(lang string, amount *big.Int, decimals uint8, symbol string, w Words) string {
	lang, t := textsFor(lang)
	return fmt.Sprintf(t.allocation, symbol, localDigits(lang, formatAmount(amount, decimals)), wordFor(langEN, w.Balance))
}
