package index

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"sync"

	"github.com/blevesearch/bleve/v2/index/scorch"
	segment "github.com/blevesearch/scorch_segment_api/v2"
	zap "github.com/blevesearch/zapx/v17"
	"github.com/golang/snappy"
)

// storedFiles reads the stored fields of the persisted segments with
// pread(2) instead of through their memory mapping. The stored fields are
// about 60 % of a segment's bytes (the texts), and a read through the
// mapping makes the kernel map the 64 KiB around it (fault-around): the
// hits, phrase checks and story candidates of an OrangeSum ingest and
// query run left nearly every segment wholly resident, counted in the
// service's RSS. Read with pread, the texts stay in the page cache, which
// the kernel reclaims as it needs and RSS does not count. Only the
// documents' 8-byte offsets are read through the mapping.
//
// Segments of another format (in memory, or written by an older zap)
// are read by Bleve as before, and so is a segment whose file is already
// gone when first read: scorch unlinks a merged-away segment's file while
// older snapshots still map it, and the mapping stays readable. A file
// stays open while a reader holds it: when its segment leaves the snapshots (forget) and the last reader
// drops it, the collector closes it (os.File's cleanup), so that a search
// still reading a merged-away segment never sees its descriptor reused.
type storedFiles struct {
	mu    sync.Mutex
	files map[segment.Segment]*storedFile
	bufs  sync.Pool // of *storedBuf: the buffers of record reads
}

// storedFile is one persisted zap segment's file, opened on first read.
type storedFile struct {
	seg  *zap.Segment
	bufs *sync.Pool // the owning storedFiles' buffers
	once sync.Once
	f    *os.File
	err  error
}

// errStoredRecord reports a stored record that does not fit its segment.
var errStoredRecord = errors.New("index: stored record out of its segment's bounds")

// file returns the reader of seg's stored fields; nil when seg is not a
// persisted zap v17 segment (the caller then asks seg itself).
func (s *storedFiles) file(seg segment.Segment) *storedFile {
	zs, ok := seg.(*zap.Segment)
	if !ok || zs.Path() == "" {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.files[seg]
	if f == nil {
		if s.files == nil {
			s.files = make(map[segment.Segment]*storedFile)
		}
		f = &storedFile{seg: zs, bufs: &s.bufs}
		s.files[seg] = f
	}
	return f
}

// forget drops the files of the segments that segs no longer holds.
func (s *storedFiles) forget(segs []*scorch.SegmentSnapshot) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.files) <= 2*len(segs)+8 {
		return
	}
	live := make(map[segment.Segment]bool, len(segs))
	for _, ss := range segs {
		live[ss.Segment()] = true
	}
	for seg := range s.files {
		if !live[seg] {
			delete(s.files, seg)
		}
	}
}

// visit calls visitor with the stored fields of document num of ss (the
// _id first), as segment.StoredFieldVisitable does; values are only valid
// during the visit.
func (s *storedFiles) visit(ss *scorch.SegmentSnapshot, num uint64, visitor segment.StoredFieldValueVisitor) error {
	if f := s.file(ss.Segment()); f != nil {
		return f.visit(num, visitor)
	}
	return ss.VisitDocument(num, visitor)
}

// docID returns the external id of document num of ss.
func (s *storedFiles) docID(ss *scorch.SegmentSnapshot, num uint64) ([]byte, error) {
	f := s.file(ss.Segment())
	if f == nil {
		return ss.DocID(num)
	}
	var id []byte
	err := f.visit(num, func(name string, _ byte, val []byte, _ []uint64) bool {
		id = append([]byte(nil), val...)
		return false
	})
	return id, err
}

// get reads the stored form of article id from snap; errors wrap
// ErrNotFound.
func (s *storedFiles) get(snap *scorch.IndexSnapshot, id string) (storedDoc, error) {
	if id == "" {
		return storedDoc{}, fmt.Errorf("%w: empty id", ErrNotFound)
	}
	iid, err := snap.InternalID(id)
	if err != nil {
		return storedDoc{}, fmt.Errorf("index: read %s: %w", id, err)
	}
	if iid == nil {
		return storedDoc{}, fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	segs := snap.Segments()
	global := iid.Value()
	// The segment holding global: the last whose first number is <= it.
	starts := make([]uint64, len(segs))
	var running uint64
	for i, ss := range segs {
		starts[i] = running
		running += ss.Segment().Count()
	}
	i := sort.Search(len(starts), func(i int) bool { return starts[i] > global }) - 1
	if i < 0 {
		return storedDoc{}, fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	var sf storedFields
	if err := s.visit(segs[i], global-starts[i], sf.visit); err != nil {
		return storedDoc{}, fmt.Errorf("index: read %s: %w", id, err)
	}
	return sf.decode()
}

type storedBuf struct{ raw, plain []byte }

// visit reads document num's record with one pread and decodes it as zap
// does (segment.go, visitStoredFields): uvarint lengths of the metadata
// and of the data, the metadata (the _id's length, then per field its
// number, type, offset, length and array positions), the _id's bytes,
// then the other values, snappy-compressed.
func (f *storedFile) visit(num uint64, visitor segment.StoredFieldValueVisitor) error {
	f.once.Do(func() { f.f, f.err = os.Open(f.seg.Path()) })
	if errors.Is(f.err, fs.ErrNotExist) { // merged away and unlinked: still mapped
		return f.seg.VisitStoredFields(num, visitor)
	}
	if f.err != nil {
		return fmt.Errorf("index: open segment for stored fields: %w", f.err)
	}
	seg := f.seg
	if num >= seg.NumDocs() {
		return nil // as zap: no such document, nothing visited
	}
	mem := seg.Data()
	index := seg.StoredIndexOffset()
	at := index + 8*num
	if at+8 > uint64(len(mem)) {
		return errStoredRecord
	}
	start := binary.BigEndian.Uint64(mem[at:])
	end := index // records are written in order, the offsets after them
	if num+1 < seg.NumDocs() {
		end = binary.BigEndian.Uint64(mem[at+8:])
	}
	if end <= start || end > index {
		end = min(start+4096, index)
	}
	b, _ := f.bufs.Get().(*storedBuf)
	if b == nil {
		b = new(storedBuf)
	}
	defer f.bufs.Put(b)
	rec, err := f.read(b, start, end-start)
	if err != nil {
		return err
	}
	metaLen, n1 := binary.Uvarint(rec)
	dataLen, n2 := binary.Uvarint(rec[max(n1, 0):])
	if n1 <= 0 || n2 <= 0 {
		return errStoredRecord
	}
	size := uint64(n1+n2) + metaLen + dataLen
	if size > uint64(len(rec)) { // not laid out in order: read it whole
		if start+size > index {
			return errStoredRecord
		}
		if rec, err = f.read(b, start, size); err != nil {
			return err
		}
	}
	meta := rec[n1+n2 : uint64(n1+n2)+metaLen]
	data := rec[uint64(n1+n2)+metaLen : size]
	return visitRecord(meta, data, seg.Fields(), &b.plain, visitor)
}

// read returns n bytes of the file at off, in b.raw.
func (f *storedFile) read(b *storedBuf, off, n uint64) ([]byte, error) {
	if uint64(cap(b.raw)) < n {
		b.raw = make([]byte, n)
	}
	buf := b.raw[:n]
	if _, err := f.f.ReadAt(buf, int64(off)); err != nil {
		return nil, fmt.Errorf("index: read stored fields: %w", err)
	}
	return buf, nil
}

// visitRecord decodes one stored record's metadata and data.
func visitRecord(meta, data []byte, fields []string, plain *[]byte, visitor segment.StoredFieldValueVisitor) error {
	idLen, n := binary.Uvarint(meta)
	if n <= 0 || idLen > uint64(len(data)) {
		return errStoredRecord
	}
	meta = meta[n:]
	if !visitor("_id", 't', data[:idLen], nil) {
		return nil
	}
	p, err := snappy.Decode((*plain)[:cap(*plain)], data[idLen:])
	if err != nil {
		return fmt.Errorf("index: decode stored fields: %w", err)
	}
	*plain = p
	var pos []uint64
	for len(meta) > 0 {
		var v [5]uint64
		for i := range v {
			x, n := binary.Uvarint(meta)
			if n <= 0 {
				return errStoredRecord
			}
			v[i], meta = x, meta[n:]
		}
		field, typ, off, l, npos := v[0], v[1], v[2], v[3], v[4]
		pos = pos[:0]
		for ; npos > 0; npos-- {
			x, n := binary.Uvarint(meta)
			if n <= 0 {
				return errStoredRecord
			}
			pos, meta = append(pos, x), meta[n:]
		}
		if field >= uint64(len(fields)) || off+l > uint64(len(p)) || off+l < off {
			return errStoredRecord
		}
		var ap []uint64
		if len(pos) > 0 {
			ap = pos
		}
		if !visitor(fields[field], byte(typ), p[off:off+l], ap) {
			return nil
		}
	}
	return nil
}
