package cluster

// The messages of the article stream: one subject per article,
// veille.art.<partition>.<token>, whose last message is the article's
// stored form (a put) or a tombstone (a delete).

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"

	"github.com/klauspost/compress/s2"
	"github.com/nats-io/nats.go"
)

// Subjects and headers.
const (
	subjectPrefix = "veille.art."
	hdrOp         = "Veille-Op"  // opPut or opDelete
	hdrID         = "Veille-Id"  // the article id
	hdrEnc        = "Veille-Enc" // encS2 when the payload is S2-compressed
	hdrObj        = "Veille-Obj" // the object holding the payload, when it is too large for a message
	hdrFormat     = "Veille-Format"
	opPut         = "put"
	opDelete      = "delete"
	encS2         = "s2"
	format        = "1" // the stored form of index.Prepared.Data, JSON
)

// compressAbove is the payload size from which payloads are compressed.
const compressAbove = 4 << 10

// partitionOf returns the partition of an article id among k: FNV-1a of
// the id, modulo k. It is fixed for the life of the stream.
func partitionOf(id string, k int) int {
	h := fnv.New32a()
	h.Write([]byte(id))
	return int(h.Sum32() % uint32(k))
}

// idToken returns the subject token of an id: the id itself when it has no
// dot (ids never hold '*', '>', '~' or spaces), otherwise "~" and the id in
// unpadded base64url, so that every id is exactly one token.
func idToken(id string) string {
	if !strings.Contains(id, ".") {
		return id
	}
	return "~" + base64.RawURLEncoding.EncodeToString([]byte(id))
}

// idOfToken is the inverse of idToken.
func idOfToken(token string) (string, bool) {
	enc, ok := strings.CutPrefix(token, "~")
	if !ok {
		return token, token != ""
	}
	b, err := base64.RawURLEncoding.DecodeString(enc)
	return string(b), err == nil
}

// articleSubject returns the subject of article id among k partitions.
func articleSubject(id string, k int) string {
	return subjectPrefix + strconv.Itoa(partitionOf(id, k)) + "." + idToken(id)
}

// partitionSubjects returns the filter subjects of the given partitions.
func partitionSubjects(parts []int) []string {
	out := make([]string, len(parts))
	for i, p := range parts {
		out[i] = subjectPrefix + strconv.Itoa(p) + ".*"
	}
	return out
}

// partitionOfSubject reads the partition of an article subject.
func partitionOfSubject(subj string) (int, bool) {
	rest, ok := strings.CutPrefix(subj, subjectPrefix)
	if !ok {
		return 0, false
	}
	p, _, ok := strings.Cut(rest, ".")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(p)
	return n, err == nil && n >= 0
}

// newMsgID returns the de-duplication id of one write of article id: the
// publish retries of that write share it (the stream keeps one copy), and
// any other write, even of the same content, has another one, so that a
// write is never mistaken for an older one.
func newMsgID(id string) string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return id + "@" + hex.EncodeToString(b[:])
}

// objectName names the object holding the payload data of article id:
// its subject token and a hash of the content.
func objectName(id string, data []byte) string {
	sum := sha256.Sum256(data)
	return idToken(id) + "@" + hex.EncodeToString(sum[:12])
}

// putMsg returns the message that stores data (index.Prepared.Data) as
// article id, compressed when that makes it smaller.
func putMsg(id string, k int, data []byte) *nats.Msg {
	m := nats.NewMsg(articleSubject(id, k))
	m.Header.Set(hdrOp, opPut)
	m.Header.Set(hdrID, id)
	m.Header.Set(hdrFormat, format)
	m.Data = data
	if len(data) > compressAbove {
		if c := s2.Encode(nil, data); len(c) < len(data) {
			m.Header.Set(hdrEnc, encS2)
			m.Data = c
		}
	}
	return m
}

// deleteMsg returns the tombstone of article id.
func deleteMsg(id string, k int) *nats.Msg {
	m := nats.NewMsg(articleSubject(id, k))
	m.Header.Set(hdrOp, opDelete)
	m.Header.Set(hdrID, id)
	return m
}

// payload returns the stored form a put message carries inline (after
// decompression); the caller fetches it from the object store when
// hdrObj is set.
func payload(h nats.Header, data []byte) ([]byte, error) {
	switch enc := h.Get(hdrEnc); enc {
	case "":
		return data, nil
	case encS2:
		out, err := s2.Decode(nil, data)
		if err != nil {
			return nil, fmt.Errorf("cluster: decompress: %w", err)
		}
		return out, nil
	default:
		return nil, fmt.Errorf("cluster: unknown payload encoding %q", enc)
	}
}
