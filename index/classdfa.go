package index

import (
	"sync"

	"github.com/blevesearch/vellum"
)

// classDFA is a deterministic automaton stored by byte classes: the bytes
// that every state sends to the same state share one class, and each state
// keeps one transition a class. A Levenshtein automaton of vellum keeps 256
// transitions a state (1 KiB), though it tells apart only the bytes of its
// word and the shapes of UTF-8; stored this way it takes one to two
// percent of that, and Accept stays two array reads.
type classDFA struct {
	class  [256]uint8 // byte → its class
	nclass int
	next   []uint32 // next[s*nclass+class[b]]: where state s goes on byte b
	flags  []uint8  // per state: flagMatch, flagCanMatch
	start  int
}

const (
	flagMatch = 1 << iota
	flagCanMatch
)

// compactDFA returns an automaton that accepts exactly what a accepts,
// state by state, stored by byte classes. It visits the states reachable
// from a's start on every byte; a's WillAlwaysMatch must be false in each
// (it is in vellum's Levenshtein automata), and the result's is too.
// pool keeps its working tables for the next call.
func compactDFA(a vellum.Automaton, pool *sync.Pool) *classDFA {
	sc, _ := pool.Get().(*dfaScratch)
	if sc == nil {
		sc = new(dfaScratch)
	}
	defer pool.Put(sc)
	// Number the reachable states breadth first; rows[s] is state s's
	// transitions on every byte, in the new numbers. vellum numbers its
	// states from 0, densely: ids[t]-1 is the new number of its state t
	// (0: not seen yet).
	ids, orig, rows := sc.ids[:0], sc.orig[:0], sc.rows[:0]
	number := func(t int) uint32 {
		if t >= len(ids) {
			ids = append(ids, make([]uint32, t+1-len(ids))...)
		}
		if ids[t] == 0 {
			orig = append(orig, t)
			ids[t] = uint32(len(orig))
		}
		return ids[t] - 1
	}
	number(a.Start())
	for i := 0; i < len(orig); i++ {
		if i == len(rows) {
			rows = append(rows, [256]uint32{})
		}
		row := &rows[i]
		for b := range row {
			row[b] = number(a.Accept(orig[i], byte(b)))
		}
	}
	clear(ids)
	sc.ids, sc.orig, sc.rows = ids, orig, rows
	d := &classDFA{flags: make([]uint8, len(orig))}
	for s, o := range orig {
		if a.IsMatch(o) {
			d.flags[s] |= flagMatch
		}
		if a.CanMatch(o) {
			d.flags[s] |= flagCanMatch
		}
	}
	d.nclass = byteClasses(rows, &d.class)
	d.next = make([]uint32, len(rows)*d.nclass)
	for s := range rows {
		for b, t := range &rows[s] {
			d.next[s*d.nclass+int(d.class[b])] = t
		}
	}
	return d
}

// dfaScratch is what compactDFA needs while it works, kept in a pool
// for the next call: vellum's table in the new state numbers, 1 KiB a
// state.
type dfaScratch struct {
	ids  []uint32
	orig []int
	rows [][256]uint32
}

// byteClasses gives the bytes whose columns of rows are equal one class,
// numbered from 0 in the order of their first byte, and returns how many
// there are.
func byteClasses(rows [][256]uint32, class *[256]uint8) int {
	// A hash of each byte's column, then a check of the column against
	// its class's first byte: a collision (never seen) falls back to one
	// class a byte, still exact.
	var cols [256]uint64
	for i := range rows {
		for b, t := range &rows[i] {
			cols[b] = (cols[b] ^ uint64(t)) * 0x100000001b3
		}
	}
	first := make(map[uint64]uint8, 32) // column hash → the class's first byte
	var rep [256]uint8                  // the first byte of b's class
	n := 0
	for b := range 256 {
		f, ok := first[cols[b]]
		if !ok {
			f = uint8(b)
			first[cols[b]] = f
			class[b] = uint8(n)
			n++
		}
		rep[b], class[b] = f, class[f]
	}
	for i := range rows {
		row := &rows[i]
		for b, f := range &rep {
			if row[b] != row[f] {
				for c := range class {
					class[c] = uint8(c)
				}
				return 256
			}
		}
	}
	return n
}

// bytes returns the heap size of d's tables.
func (d *classDFA) bytes() int { return 4*len(d.next) + len(d.flags) + 256 + 48 }

// The vellum.Automaton methods.
func (d *classDFA) Start() int               { return d.start }
func (d *classDFA) IsMatch(s int) bool       { return d.flags[s]&flagMatch != 0 }
func (d *classDFA) CanMatch(s int) bool      { return d.flags[s]&flagCanMatch != 0 }
func (d *classDFA) WillAlwaysMatch(int) bool { return false }
func (d *classDFA) Accept(s int, b byte) int {
	return int(d.next[s*d.nclass+int(d.class[b])])
}
