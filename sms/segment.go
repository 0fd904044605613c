package sms

import "unicode/utf16"

// SMS segment sizes. A message made only of GSM 03.38 characters is sent in 7-bit encoding:
// 160 septets in one segment, 153 per segment when split (the rest is the concatenation header).
// Any other character makes the whole message UCS-2: 70 UTF-16 units, 67 per segment when split.
// Nepali is always UCS-2, so a Nepali reply has 70 characters (code units) to fit in.
const (
	gsmSingle  = 160
	gsmMulti   = 153
	ucs2Single = 70
	ucs2Multi  = 67
)

// gsmBasic is the GSM 03.38 default alphabet; gsmExtended are the characters sent as an escape
// plus one septet (two septets each).
const (
	gsmBasic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
		"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsmExtended = "\f^{}\\[~]|€"
)

var gsmBasicSet, gsmExtendedSet = runeSet(gsmBasic), runeSet(gsmExtended)

func runeSet(s string) map[rune]bool {
	m := map[rune]bool{}
	for _, r := range s {
		m[r] = true
	}
	return m
}

// Encoding is how an SMS body is encoded on the air.
type Encoding string

// The two encodings.
const (
	GSM7 Encoding = "GSM-7"
	UCS2 Encoding = "UCS-2"
)

// Measure returns the encoding a body needs, its length in that encoding's units (septets or
// UTF-16 code units) and the number of segments it is sent in.
func Measure(body string) (enc Encoding, units, segments int) {
	septets, gsm := 0, true
	for _, r := range body {
		switch {
		case gsmBasicSet[r]:
			septets++
		case gsmExtendedSet[r]:
			septets += 2
		default:
			gsm = false
		}
		if !gsm {
			break
		}
	}
	if gsm {
		return GSM7, septets, segmentCount(septets, gsmSingle, gsmMulti)
	}
	n := len(utf16.Encode([]rune(body)))
	return UCS2, n, segmentCount(n, ucs2Single, ucs2Multi)
}

func segmentCount(n, single, multi int) int {
	switch {
	case n == 0:
		return 1
	case n <= single:
		return 1
	}
	return (n + multi - 1) / multi
}

// Segments returns the number of segments body is sent in.
func Segments(body string) int {
	_, _, s := Measure(body)
	return s
}
