package api

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestHeadAnswersLikeGet checks that HEAD on a read route gets the GET's
// status and headers, with no body on the wire, and that HEAD cannot reach
// a write route.
func TestHeadAnswersLikeGet(t *testing.T) {
	s, _ := testServer(t, newFake(), Options{})
	s.SetReady(true)
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	tests := []struct {
		path       string
		wantStatus int
	}{
		{"/healthz", http.StatusOK},
		{"/readyz", http.StatusOK},
		{"/api/stats", http.StatusOK},
		{"/api/articles/absent", http.StatusNotFound},
		{"/api/reindex", http.StatusNotFound}, // POST only: HEAD is a GET, never a write
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			resp, err := http.Head(ts.URL + tc.path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.wantStatus {
				t.Errorf("HEAD %s: status %d, want %d", tc.path, resp.StatusCode, tc.wantStatus)
			}
			if len(body) != 0 {
				t.Errorf("HEAD %s: %d body bytes, want none", tc.path, len(body))
			}
			if resp.Header.Get("Content-Type") == "" {
				t.Errorf("HEAD %s: no Content-Type", tc.path)
			}
		})
	}
}
