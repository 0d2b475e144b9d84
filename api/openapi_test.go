package api

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// openAPIDoc is the part of an OpenAPI document the tests read.
type openAPIDoc struct {
	OpenAPI string `json:"openapi"`
	Info    struct {
		Version string `json:"version"`
	} `json:"info"`
	Paths map[string]map[string]json.RawMessage `json:"paths"`
}

type openAPIOperation struct {
	OperationID string `json:"operationId"`
	Parameters  []struct {
		Name string `json:"name"`
		In   string `json:"in"`
		Ref  string `json:"$ref"`
	} `json:"parameters"`
	Responses map[string]json.RawMessage `json:"responses"`
}

func servedDoc(t *testing.T, s *Server) openAPIDoc {
	t.Helper()
	rec := do(t, s, http.MethodGet, "/api/openapi.json", "")
	if rec.Code != http.StatusOK {
		t.Fatalf("openapi.json = %d", rec.Code)
	}
	var doc openAPIDoc
	decode(t, rec, &doc)
	return doc
}

// openAPIPath turns an Echo route path into its OpenAPI form.
func openAPIPath(p string) string {
	p = regexp.MustCompile(`:(\w+)`).ReplaceAllString(p, "{$1}")
	return strings.Replace(p, "*", "{path}", 1)
}

func TestOpenAPICoversEveryRoute(t *testing.T) {
	s, _ := testServer(t, newFake(), Options{Version: "1.0.0"})
	doc := servedDoc(t, s)
	if !strings.HasPrefix(doc.OpenAPI, "3.") || doc.Info.Version != "1.0.0" {
		t.Fatalf("openapi %q, version %q", doc.OpenAPI, doc.Info.Version)
	}
	routes := s.Echo().Routes()
	if len(routes) < 12 {
		t.Fatalf("only %d routes", len(routes))
	}
	documented := map[string]bool{}
	for _, r := range routes {
		p := openAPIPath(r.Path)
		ops, ok := doc.Paths[p]
		if !ok {
			t.Errorf("route %s %s: path %s missing from openapi.json", r.Method, r.Path, p)
			continue
		}
		raw, ok := ops[strings.ToLower(r.Method)]
		if !ok {
			t.Errorf("route %s %s: method missing from openapi.json", r.Method, r.Path)
			continue
		}
		documented[strings.ToLower(r.Method)+" "+p] = true
		var op openAPIOperation
		if err := json.Unmarshal(raw, &op); err != nil {
			t.Fatalf("%s %s: %v", r.Method, p, err)
		}
		if op.OperationID == "" || len(op.Responses) == 0 {
			t.Errorf("%s %s: operationId %q, %d responses", r.Method, p, op.OperationID, len(op.Responses))
		}
		for _, name := range regexp.MustCompile(`\{(\w+)\}`).FindAllStringSubmatch(p, -1) {
			if !hasPathParam(ops, op, name[1]) {
				t.Errorf("%s %s: path parameter %s undocumented", r.Method, p, name[1])
			}
		}
	}
	// And nothing documented that the server does not serve.
	for p, ops := range doc.Paths {
		for method := range ops {
			if method == "parameters" {
				continue
			}
			if !documented[method+" "+p] {
				t.Errorf("openapi.json documents %s %s, which no route serves", method, p)
			}
		}
	}
}

func hasPathParam(ops map[string]json.RawMessage, op openAPIOperation, name string) bool {
	for _, p := range op.Parameters {
		if p.In == "path" && p.Name == name {
			return true
		}
	}
	var shared []struct{ Name, In string }
	if raw, ok := ops["parameters"]; ok && json.Unmarshal(raw, &shared) == nil {
		for _, p := range shared {
			if p.In == "path" && p.Name == name {
				return true
			}
		}
	}
	return false
}

// checkQueryParameters compares the query parameters documented for GET
// path with those its handler accepts, and returns the documented ones.
func checkQueryParameters(t *testing.T, s *Server, path string, accepted []string) []string {
	t.Helper()
	doc := servedDoc(t, s)
	var op openAPIOperation
	if err := json.Unmarshal(doc.Paths[path]["get"], &op); err != nil {
		t.Fatal(err)
	}
	var documented []string
	for _, p := range op.Parameters {
		if p.In == "query" {
			documented = append(documented, p.Name)
		}
	}
	accepted = slices.Clone(accepted)
	sort.Strings(documented)
	sort.Strings(accepted)
	if !slices.Equal(documented, accepted) {
		t.Errorf("%s: documented %v\nhandler accepts %v", path, documented, accepted)
	}
	return documented
}

func TestOpenAPISearchParametersMatchHandler(t *testing.T) {
	s, _ := testServer(t, newFake(), Options{})
	documented := checkQueryParameters(t, s, "/api/search", searchParameters())
	// Each documented parameter really is accepted (a valid value answers 200).
	valid := map[string]string{"q": "x", "mode": "any", "company": "Nvidia", "country": "GB", "lang": "fr",
		"source": "s", "amount_min": "1", "amount_max": "2", "from": "2025-01-01", "to": "2025-12-31",
		"sort": "date", "page": "2", "per_page": "5", "cursor": "c", "highlight": "none", "pretty": "1",
		"prefix": "last", "exclude_company": "Nvidia", "exclude_country": "GB", "exclude_source": "s",
		"facet_size": "50", "facet_query": "company:nv", "collapse": "story"}
	for _, name := range documented {
		v, ok := valid[name]
		if !ok {
			t.Errorf("no test value for documented parameter %s", name)
			continue
		}
		if name == "cursor" {
			v += "&page=1"
		}
		if rec := do(t, s, http.MethodGet, "/api/search?"+name+"="+v, ""); rec.Code != http.StatusOK {
			t.Errorf("%s=%s: %d %s", name, v, rec.Code, rec.Body)
		}
	}
}

func TestOpenAPIExportParametersMatchHandler(t *testing.T) {
	s, _ := testServer(t, newFake(), Options{})
	checkQueryParameters(t, s, "/api/export", exportParameters())
}

func TestOpenAPIErrorCodesDocumented(t *testing.T) {
	var doc struct {
		Components struct {
			Schemas struct {
				Error struct {
					Properties struct {
						Error struct {
							Properties struct {
								Code struct {
									Enum []string `json:"enum"`
								} `json:"code"`
							} `json:"properties"`
						} `json:"error"`
					} `json:"properties"`
				} `json:"Error"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(openAPISpec, &doc); err != nil {
		t.Fatal(err)
	}
	enum := doc.Components.Schemas.Error.Properties.Error.Properties.Code.Enum
	codes := []string{codeBadRequest, codeInvalidParameter, codeInvalidQuery, codeInvalidArticle, codeInvalidID,
		codeUnauthorized, codeForbidden, codeNotFound, codeMethodNotAllowed, codeConflict, codeTooLarge,
		codeUnsupportedType, codeInternal, codeUnavailable, codeTimeout, codeNotReady, codeRequestTimeout}
	for _, row := range errorTable() {
		if row.Status >= 400 && row.Status != StatusClientClosedRequest && !slices.Contains(codes, row.Code) {
			codes = append(codes, row.Code)
		}
	}
	for _, c := range codes {
		if !slices.Contains(enum, c) {
			t.Errorf("error code %q is not in the OpenAPI Error schema", c)
		}
	}
}
