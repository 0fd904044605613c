package config

import (
	"cmp"
	"encoding"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Why hand-written: the same key path ("database.url") must name a YAML field, an environment variable
// (RAHAT_DATABASE_URL) and a flag (--database-url) without ambiguity, and keys contain underscores
// (rpc_url), which the general-purpose loaders' env mappings cannot tell from nesting. The walk below knows
// the struct, so the mapping is exact, and list elements are addressable as RAHAT_NETWORKS_0_RPC_URL.

var errEOF = io.EOF

// Field describes one settable configuration key.
type Field struct {
	// Key is the dotted path, with "*" standing for a list index ("networks.*.rpc_url").
	Key string
	// Env is the environment variable, with "N" for a list index.
	Env string
	// Flag is the flag name for scalar keys outside lists, or "" for list fields.
	Flag string
	// Kind is the value's Go kind, for help texts.
	Kind string
}

// Fields lists every key of Config in declaration order.
func Fields() []Field {
	var out []Field
	walkType(reflect.TypeOf(Config{}), "", &out)
	return out
}

func walkType(t reflect.Type, prefix string, out *[]Field) {
	for i := range t.NumField() {
		sf := t.Field(i)
		name := strings.Split(sf.Tag.Get("yaml"), ",")[0]
		if name == "" || name == "-" {
			continue
		}
		key := prefix + name
		ft := sf.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		switch {
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct:
			walkType(ft.Elem(), key+".*.", out)
		case ft.Kind() == reflect.Struct:
			walkType(ft, key+".", out)
		default:
			f := Field{Key: key, Env: "RAHAT_" + strings.ToUpper(strings.NewReplacer(".", "_", "*", "N").Replace(key)), Kind: kindName(ft)}
			if !strings.Contains(key, "*") {
				f.Flag = FlagName(key)
			}
			*out = append(*out, f)
		}
	}
}

func kindName(t reflect.Type) string {
	if t == reflect.TypeOf(Duration(0)) {
		return "duration"
	}
	return t.Kind().String()
}

// FlagName turns a key path into its flag name: "database.read_url" becomes "database-read-url".
func FlagName(key string) string {
	return strings.NewReplacer(".", "-", "_", "-").Replace(key)
}

// keyForEnv maps an environment variable to a concrete key path, resolving list indexes.
func keyForEnv(_ *Config, env string) (string, bool) {
	for _, f := range Fields() {
		if !strings.Contains(f.Key, "*") {
			if f.Env == env {
				return f.Key, true
			}
			continue
		}
		pattern := "^" + strings.ReplaceAll(regexp.QuoteMeta(f.Env), "_N_", `_(\d+)_`) + "$"
		m := regexp.MustCompile(pattern).FindStringSubmatch(env)
		if m == nil {
			continue
		}
		key := f.Key
		for _, idx := range m[1:] {
			key = strings.Replace(key, "*", idx, 1)
		}
		return key, true
	}
	return "", false
}

// Set assigns value (as text) to the key path in cfg; a list index equal to the list's length appends.
func Set(cfg *Config, key, value string) error {
	v := reflect.ValueOf(cfg).Elem()
	parts := strings.Split(key, ".")
	for i, p := range parts {
		if v.Kind() == reflect.Pointer {
			if v.IsNil() {
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		}
		switch v.Kind() {
		case reflect.Slice:
			idx, err := strconv.Atoi(p)
			if err != nil || idx < 0 || idx > v.Len() || idx > 1000 {
				return fmt.Errorf("%s: list index %q is not 0..%d", strings.Join(parts[:i], "."), p, v.Len())
			}
			if idx == v.Len() {
				v.Set(reflect.Append(v, reflect.Zero(v.Type().Elem())))
			}
			v = v.Index(idx)
		case reflect.Struct:
			f, ok := fieldByTag(v, p)
			if !ok {
				return fmt.Errorf("unknown config key %q", key)
			}
			v = f
		default:
			return fmt.Errorf("unknown config key %q", key)
		}
	}
	if err := setScalar(v, value); err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	return nil
}

func fieldByTag(v reflect.Value, name string) (reflect.Value, bool) {
	t := v.Type()
	for i := range t.NumField() {
		if strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0] == name {
			return v.Field(i), true
		}
	}
	return reflect.Value{}, false
}

func setScalar(v reflect.Value, s string) error {
	if u, ok := v.Addr().Interface().(encoding.TextUnmarshaler); ok {
		return u.UnmarshalText([]byte(s))
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Errorf("%q is not true or false", s)
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int64, reflect.Int32:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || v.OverflowInt(n) {
			return fmt.Errorf("%q is not an integer", s)
		}
		v.SetInt(n)
	case reflect.Uint, reflect.Uint64, reflect.Uint32:
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil || v.OverflowUint(n) {
			return fmt.Errorf("%q is not a non-negative integer", s)
		}
		v.SetUint(n)
	default:
		return fmt.Errorf("cannot set a %s from text", v.Kind())
	}
	return nil
}

// sortedKeys returns m's keys in natural order (digit runs compare as numbers), so that list element 2
// is set before element 10 and appending by index works for any list length.
func sortedKeys[M ~map[string]V, V any](m M) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, naturalCompare)
	return keys
}

func naturalCompare(a, b string) int {
	for a != "" && b != "" {
		da, db := digitPrefix(a), digitPrefix(b)
		if da != "" && db != "" {
			if c := cmp.Compare(len(strings.TrimLeft(da, "0")), len(strings.TrimLeft(db, "0"))); c != 0 {
				return c
			}
			if c := strings.Compare(strings.TrimLeft(da, "0"), strings.TrimLeft(db, "0")); c != 0 {
				return c
			}
			a, b = a[len(da):], b[len(db):]
			continue
		}
		if a[0] != b[0] {
			return cmp.Compare(a[0], b[0])
		}
		a, b = a[1:], b[1:]
	}
	return cmp.Compare(len(a), len(b))
}

func digitPrefix(s string) string {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return s[:i]
}
