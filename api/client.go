package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// maxClientBody bounds what a Client reads of one response.
const maxClientBody = 64 << 20

// Client calls the API of a veille server. Errors the server answers
// are *Error.
type Client struct {
	// BaseURL is the server's address, such as "http://127.0.0.1:8080".
	BaseURL string
	// HTTP makes the requests; nil means a client with a 30 s timeout.
	HTTP *http.Client
}

// Search runs GET /api/search with params.
func (c *Client) Search(ctx context.Context, params url.Values) (SearchResponse, error) {
	var out SearchResponse
	err := c.get(ctx, "/api/search", params, &out)
	return out, err
}

// Stats runs GET /api/stats.
func (c *Client) Stats(ctx context.Context) (Stats, error) {
	var out Stats
	err := c.get(ctx, "/api/stats", nil, &out)
	return out, err
}

func (c *Client) get(ctx context.Context, path string, params url.Values, out any) error {
	u := strings.TrimRight(c.BaseURL, "/") + path
	if len(params) > 0 {
		u += "?" + params.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("api: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("api: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxClientBody))
	if err != nil {
		return fmt.Errorf("api: reading the response of %s: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		var eb errorBody
		if json.Unmarshal(body, &eb) == nil && eb.Error.Message != "" {
			return &Error{Status: resp.StatusCode, Code: eb.Error.Code, Message: eb.Error.Message, Parameter: eb.Error.Parameter}
		}
		return &Error{Status: resp.StatusCode, Code: statusCode(resp.StatusCode), Message: fmt.Sprintf("%s answered HTTP %d", path, resp.StatusCode)}
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("api: the response of %s is not the API's JSON: %w", path, err)
	}
	return nil
}
