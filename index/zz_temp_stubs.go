package index

// TEMPORARY stand-in for cursor.go (another helper's); deleted once it lands.

import (
	"encoding/base64"
	"encoding/json"
)

type cursorState struct {
	Sort        string
	Fingerprint string
	Score       float64
	Pub         int64
	Amount      float64
	HasAmount   bool
	ID          string
}

func encodeCursor(key []byte, c cursorState) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(key []byte, s string) (cursorState, error) {
	var c cursorState
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return c, invalidQuery("bad cursor")
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return c, invalidQuery("bad cursor")
	}
	return c, nil
}
