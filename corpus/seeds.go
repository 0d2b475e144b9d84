package corpus

import (
	"embed"
	"io/fs"
)

//go:embed seeds/*.txt
var seeds embed.FS

// Seeds returns the seed corpus embedded in the binary: five French web
// articles on AI infrastructure, as raw text. It is the default corpus.
func Seeds() fs.FS {
	sub, err := fs.Sub(seeds, "seeds")
	if err != nil {
		panic(err) // unreachable: "seeds" is a valid embedded directory
	}
	return sub
}
