package stories

// Memory holds members by band, in memory: the candidates of a signature
// are the members sharing at least one band with it. It groups the
// articles of one batch among themselves, and a whole corpus in the
// tests. It is not safe for concurrent use.
type Memory struct {
	members []Member
	byID    map[string]int
	byBand  map[Band][]int
}

// NewMemory returns an empty Memory.
func NewMemory() *Memory {
	return &Memory{byID: map[string]int{}, byBand: map[Band][]int{}}
}

// Len returns the number of members.
func (m *Memory) Len() int { return len(m.byID) }

// Add adds x, replacing a member with its id (whose bands are then
// ignored). Signatures that are not Matchable are not added.
func (m *Memory) Add(x Member) {
	if !x.Signature.Matchable() {
		return
	}
	if i, ok := m.byID[x.ID]; ok {
		m.members[i].ID = "" // tombstone
	}
	i := len(m.members)
	m.members = append(m.members, x)
	m.byID[x.ID] = i
	for _, b := range x.Signature.Bands() {
		m.byBand[b] = append(m.byBand[b], i)
	}
}

// Candidates returns the members sharing a band with sig, each once.
func (m *Memory) Candidates(sig Signature) []Member {
	if !sig.Matchable() {
		return nil
	}
	var out []Member
	seen := map[int]bool{}
	for _, b := range sig.Bands() {
		for _, i := range m.byBand[b] {
			if seen[i] || m.members[i].ID == "" {
				continue
			}
			seen[i] = true
			out = append(out, m.members[i])
		}
	}
	return out
}

// Assign gives a its story among the members (see [StoryOf]), adds it
// and returns the story.
func (m *Memory) Assign(a Member) string {
	a.Story = StoryOf(a, m.Candidates(a.Signature))
	m.Add(a)
	return a.Story
}
