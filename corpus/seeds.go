package corpus

import (
	"embed"
	"fmt"
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

// SeedArticles returns the articles of the seed corpus, read as its files
// are (raw text, id from the file name), in file order.
func SeedArticles() ([]Article, error) {
	fsys := Seeds()
	names, err := Files(fsys)
	if err != nil {
		return nil, err
	}
	var out []Article
	for _, name := range names {
		err := ScanFile(fsys, name, func(a Article, err error) error {
			if err != nil {
				return err
			}
			out = append(out, a)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("seed %s: %w", name, err)
		}
	}
	return out, nil
}
