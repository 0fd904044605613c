package api

import (
	"encoding/json"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
)

// oaDoc is the part of an OpenAPI document the consistency test reads.
type oaDoc struct {
	Paths      map[string]map[string]oaOp `json:"paths"`
	Components struct {
		Schemas    map[string]oaSchema `json:"schemas"`
		Parameters map[string]oaParam  `json:"parameters"`
	} `json:"components"`
}

type oaOp struct {
	OperationID string             `json:"operationId"`
	Security    []map[string][]any `json:"security"`
	Roles       []string           `json:"x-rahat-roles"`
	Parameters  []oaParam          `json:"parameters"`
	RequestBody *struct {
		Required bool `json:"required"`
		Content  map[string]struct {
			Schema oaSchema `json:"schema"`
		} `json:"content"`
	} `json:"requestBody"`
	Responses map[string]json.RawMessage `json:"responses"`
}

type oaParam struct {
	Ref      string `json:"$ref"`
	Name     string `json:"name"`
	In       string `json:"in"`
	Required bool   `json:"required"`
}

type oaSchema struct {
	Ref                  string              `json:"$ref"`
	Type                 any                 `json:"type"`
	Properties           map[string]oaSchema `json:"properties"`
	Required             []string            `json:"required"`
	Items                *oaSchema           `json:"items"`
	AdditionalProperties *bool               `json:"additionalProperties"`
	Enum                 []string            `json:"enum"`
}

func loadDoc(t *testing.T) oaDoc {
	t.Helper()
	var d oaDoc
	if err := json.Unmarshal(openAPIDoc, &d); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	return d
}

func (d oaDoc) resolve(t *testing.T, s oaSchema) oaSchema {
	t.Helper()
	if s.Ref == "" {
		return s
	}
	name := strings.TrimPrefix(s.Ref, "#/components/schemas/")
	r, ok := d.Components.Schemas[name]
	if !ok {
		t.Fatalf("dangling $ref %s", s.Ref)
	}
	return d.resolve(t, r)
}

func (d oaDoc) param(t *testing.T, p oaParam) oaParam {
	t.Helper()
	if p.Ref == "" {
		return p
	}
	r, ok := d.Components.Parameters[strings.TrimPrefix(p.Ref, "#/components/parameters/")]
	if !ok {
		t.Fatalf("dangling parameter $ref %s", p.Ref)
	}
	return r
}

// TestOpenAPIMatchesRoutes checks the document against the router both ways: every route is
// documented with its method, operation id, roles, security, idempotency header, path
// parameters and request body (properties and required fields, recursively, from the Go types
// the handlers decode), and every documented operation is routed.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	t.Parallel()
	d := loadDoc(t)
	s := &Server{cfg: Config{}.withDefaults()}
	routes := s.routeTable()
	seen := map[string]bool{}
	for _, rt := range routes {
		key := rt.method + " " + rt.path
		seen[key] = true
		op, ok := d.Paths[rt.path][strings.ToLower(rt.method)]
		if !ok {
			t.Errorf("%s is routed but not documented", key)
			continue
		}
		if op.OperationID != rt.op {
			t.Errorf("%s: operationId %q, route says %q", key, op.OperationID, rt.op)
		}
		var roles []string
		for _, r := range rt.roles {
			roles = append(roles, string(r))
		}
		if !slices.Equal(op.Roles, roles) {
			t.Errorf("%s: documented roles %v, routed %v", key, op.Roles, roles)
		}
		if secured := len(op.Security) > 0; secured != (rt.roles != nil) {
			t.Errorf("%s: documented security %v, route roles %v", key, op.Security, rt.roles)
		}
		if _, has401 := op.Responses["401"]; has401 != (rt.roles != nil) {
			t.Errorf("%s: 401 documented = %v", key, has401)
		}
		var idem, pathID bool
		for _, p := range op.Parameters {
			p = d.param(t, p)
			switch {
			case p.In == "header" && p.Name == "Idempotency-Key":
				idem = p.Required
			case p.In == "path" && p.Name == "id":
				pathID = p.Required
			}
		}
		if idem != rt.idempotent {
			t.Errorf("%s: documented Idempotency-Key required = %v, route idempotent = %v", key, idem, rt.idempotent)
		}
		if _, has428 := op.Responses["428"]; has428 != rt.idempotent {
			t.Errorf("%s: 428 documented = %v", key, has428)
		}
		if pathID != strings.Contains(rt.path, "{id}") {
			t.Errorf("%s: path parameter id documented = %v", key, pathID)
		}
		if rt.idempotent && !rt.write {
			t.Errorf("%s: idempotent routes must be write routes", key)
		}
		switch {
		case rt.body == nil && op.RequestBody != nil:
			t.Errorf("%s: documents a request body the route does not take", key)
		case rt.body != nil && op.RequestBody == nil:
			t.Errorf("%s: takes a %T body that is not documented", key, rt.body)
		case rt.body != nil:
			if !op.RequestBody.Required {
				t.Errorf("%s: request body not marked required", key)
			}
			c, ok := op.RequestBody.Content["application/json"]
			if !ok {
				t.Errorf("%s: request body is not application/json", key)
				continue
			}
			d.compare(t, key, reflect.TypeOf(rt.body), c.Schema)
		}
	}
	for path, ops := range d.Paths {
		for method := range ops {
			if key := strings.ToUpper(method) + " " + path; !seen[key] {
				t.Errorf("%s is documented but not routed", key)
			}
		}
	}
}

// compare checks a Go request type against its schema: same property names, same required set
// (the api:"required" tag), no additional properties (the decoder refuses unknown fields).
func (d oaDoc) compare(t *testing.T, where string, typ reflect.Type, s oaSchema) {
	t.Helper()
	s = d.resolve(t, s)
	if s.AdditionalProperties == nil || *s.AdditionalProperties {
		t.Errorf("%s: schema must say additionalProperties: false", where)
	}
	var props, required []string
	for i := range typ.NumField() {
		f := typ.Field(i)
		name := strings.Split(f.Tag.Get("json"), ",")[0]
		props = append(props, name)
		if f.Tag.Get("api") == "required" {
			required = append(required, name)
		}
		ps, ok := s.Properties[name]
		if !ok {
			continue
		}
		ft := f.Type
		if ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct {
			ps = d.resolve(t, ps)
			if ps.Items == nil {
				t.Errorf("%s.%s: documented without items", where, name)
				continue
			}
			d.compare(t, where+"."+name+"[]", ft.Elem(), *ps.Items)
		}
	}
	docProps := make([]string, 0, len(s.Properties))
	for p := range s.Properties {
		docProps = append(docProps, p)
	}
	sort.Strings(props)
	sort.Strings(docProps)
	sort.Strings(required)
	docReq := slices.Sorted(slices.Values(s.Required))
	if !slices.Equal(props, docProps) {
		t.Errorf("%s: properties %v, documented %v", where, props, docProps)
	}
	if !slices.Equal(required, docReq) {
		t.Errorf("%s: required %v, documented %v", where, required, docReq)
	}
}

// TestOpenAPIErrorCodes checks that the documented error codes are exactly the API's.
func TestOpenAPIErrorCodes(t *testing.T) {
	t.Parallel()
	d := loadDoc(t)
	var codes []string
	for _, c := range allCodes {
		codes = append(codes, string(c))
	}
	doc := d.resolve(t, d.Components.Schemas["Error"]).Properties["code"].Enum
	if !slices.Equal(slices.Sorted(slices.Values(codes)), slices.Sorted(slices.Values(doc))) {
		t.Fatalf("error codes %v, documented %v", codes, doc)
	}
}
