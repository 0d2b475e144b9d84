package api

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"
)

// openAPISpec is the OpenAPI 3 document of the API; a test checks that it
// documents every route and every /api/search parameter.
//
//go:embed openapi.json
var openAPISpec []byte

// openAPIDocument returns the embedded document with info.version set.
// It panics when the embedded document is not valid JSON (a build error
// the tests catch).
func openAPIDocument(version string) []byte {
	var doc map[string]any
	if err := json.Unmarshal(openAPISpec, &doc); err != nil {
		panic(fmt.Sprintf("api: embedded openapi.json: %v", err))
	}
	if info, ok := doc["info"].(map[string]any); ok {
		info["version"] = version
	}
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		panic(fmt.Sprintf("api: embedded openapi.json: %v", err))
	}
	return append(out, '\n')
}

// openAPI answers GET /api/openapi.json.
func (s *Server) openAPI(c echo.Context) error {
	c.Response().Header().Set(echo.HeaderCacheControl, "no-cache")
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, s.openapi)
}
