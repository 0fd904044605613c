package catalog

import (
	"strings"
	"unicode"
)

// SingleName is the query field that reads one entity by id: the type name with its first word
// lower-cased, as graph-node names it (ClaimCreated -> claimCreated, OTPAdded -> otpAdded).
func SingleName(typeName string) string {
	rs := []rune(typeName)
	i := 0
	for i < len(rs) && unicode.IsUpper(rs[i]) {
		i++
	}
	switch {
	case i == 0:
		return typeName
	case i == 1 || i == len(rs):
		i = min(i, len(rs))
	default:
		i-- // the last capital starts the next word: OTPAdded -> otp + Added
	}
	return strings.ToLower(string(rs[:i])) + string(rs[i:])
}

// PluralName is the query field that lists entities: SingleName pluralised by English rules
// (claimCreateds, beneficiaries, balances), as graph-node does; a name whose plural is itself
// gets the suffix _collection.
func PluralName(typeName string) string {
	s := SingleName(typeName)
	p := plural(s)
	if p == s {
		return s + "_collection"
	}
	return p
}

func plural(s string) string {
	lower := strings.ToLower(s)
	switch {
	case strings.HasSuffix(lower, "y") && len(s) > 1 && !strings.ContainsRune("aeiou", rune(lower[len(lower)-2])):
		return s[:len(s)-1] + "ies"
	case strings.HasSuffix(lower, "s"), strings.HasSuffix(lower, "x"), strings.HasSuffix(lower, "z"),
		strings.HasSuffix(lower, "ch"), strings.HasSuffix(lower, "sh"):
		return s + "es"
	}
	return s + "s"
}

// GoName turns a GraphQL field name into an exported Go identifier: the first letter
// capitalised, "id" as ID, and an "F" in front of a name that does not start with a letter.
func GoName(field string) string {
	if field == "id" {
		return "ID"
	}
	rs := []rune(field)
	if len(rs) == 0 || !unicode.IsLetter(rs[0]) {
		return "F" + field
	}
	rs[0] = unicode.ToUpper(rs[0])
	return string(rs)
}

// validName reports whether s is a GraphQL name (and not a reserved __ one).
func validName(s string) bool {
	if s == "" || strings.HasPrefix(s, "__") {
		return false
	}
	for i, r := range s {
		ok := r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (i > 0 && r >= '0' && r <= '9')
		if !ok {
			return false
		}
	}
	return true
}
