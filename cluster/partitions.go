package cluster

// Partitions: article ids are spread over K partitions (FNV-1a of the id,
// modulo K, K fixed when the cluster is created). A node holds the
// partitions it owns, all of them by default (a full replica). Nodes that
// own the same set form a shard group: they answer the searches of that
// set in turn (a NATS queue group), and a search is answered by one node
// of each group, the groups' sets together covering every partition once.

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// ParsePartitions reads a set of partitions written as numbers and ranges
// ("0-7", "0-3,8-11", "5"); the empty string is nil (every partition).
func ParsePartitions(s string) ([]int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	var out []int
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(strings.TrimSpace(lo))
		if err != nil || a < 0 {
			return nil, fmt.Errorf("cluster: partitions %q: %q is not a partition number", s, lo)
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(strings.TrimSpace(hi)); err != nil || b < a {
				return nil, fmt.Errorf("cluster: partitions %q: %q is not a range", s, part)
			}
		}
		for p := a; p <= b; p++ {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// formatPartitions writes a sorted set of partitions as ranges, "0-7_12":
// ranges joined by '_', a form that is also one subject token.
func formatPartitions(ps []int) string {
	var b strings.Builder
	for i := 0; i < len(ps); {
		j := i
		for j+1 < len(ps) && ps[j+1] == ps[j]+1 {
			j++
		}
		if b.Len() > 0 {
			b.WriteByte('_')
		}
		b.WriteString(strconv.Itoa(ps[i]))
		if j > i {
			b.WriteByte('-')
			b.WriteString(strconv.Itoa(ps[j]))
		}
		i = j + 1
	}
	return b.String()
}

// allPartitions returns 0..k-1.
func allPartitions(k int) []int {
	out := make([]int, k)
	for i := range out {
		out[i] = i
	}
	return out
}

// cover chooses, among the shard groups' partition sets (keyed by their
// formatPartitions form), sets that hold each of the k partitions exactly
// once. It fails, naming the partitions, when a partition has no set or
// sets overlap without an exact cover among them.
func cover(k int, sets map[string][]int) ([]string, error) {
	keys := make([]string, 0, len(sets))
	for key := range sets {
		keys = append(keys, key)
	}
	// Larger sets first, so that a full replica answers alone.
	slices.SortFunc(keys, func(a, b string) int {
		if d := len(sets[b]) - len(sets[a]); d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	owner := make([]string, k)
	var chosen []string
	for _, key := range keys {
		free := true
		for _, p := range sets[key] {
			if p >= k || owner[p] != "" {
				free = false
				break
			}
		}
		if !free {
			continue
		}
		for _, p := range sets[key] {
			owner[p] = key
		}
		chosen = append(chosen, key)
	}
	var missing []int
	for p, o := range owner {
		if o == "" {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%w: no ready node holds partitions %s (of %d) in a set that does not overlap another's",
			ErrNoOwner, formatPartitions(missing), k)
	}
	return chosen, nil
}
