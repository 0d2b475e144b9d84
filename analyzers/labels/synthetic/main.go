// Command synthetic writes veille's made-up training articles
// (testdata/labels/synthetic-train.jsonl): short business dispatches in
// French and English built from templates, with invented firms and
// investors in the contexts real pages use (fund-raising round-ups,
// investor lists, acquisitions, results, plant openings, lists and
// headings), and the look-alikes that are not firms (persons, places,
// media cited as a channel, public bodies). Every firm it writes is
// labelled, by construction. They are for the train split only, marked
// with the set "synthetic"; the evaluation never reads them.
//
//	go run ./analyzers/labels/synthetic -n 300 -o testdata/labels/synthetic-train.jsonl
//
// The output depends only on -n and -seed.
package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"

	"veille/analyzers/labels"
)

func main() {
	n := flag.Int("n", 300, "number of articles")
	seed := flag.Uint64("seed", 13, "seed")
	out := flag.String("o", "testdata/labels/synthetic-train.jsonl", "output `file`")
	flag.Parse()
	if err := labels.Write(*out, generate(*n, *seed)); err != nil {
		fmt.Fprintln(os.Stderr, "synthetic:", err)
		os.Exit(1)
	}
}

// gen draws names and fills templates.
type gen struct {
	rng  *rand.Rand
	used map[string]bool
	gold []string
	ment map[string][]string
}

var (
	pre = []string{"Ka", "No", "Ve", "Lu", "Ori", "Bre", "Zen", "Qua", "Mo", "Tri", "Sy", "Ne", "Da", "Fi", "Gre", "Hy",
		"Ix", "Ja", "Ky", "Pla", "Ro", "Sa", "Ty", "Vo", "Wa", "Al", "Be", "Cor", "Del", "Ema", "Fla", "Gal", "Hel", "Iso",
		"Jul", "Kel", "Lor", "Mer", "Nor", "Oc", "Pel", "Quin", "Ral", "Sel", "Tal", "Ul", "Var", "Xe", "Yl", "Zor"}
	suf = []string{"trix", "lto", "rbel", "mio", "ssa", "bi", "vix", "vo", "ntix", "valia", "lys", "nova", "kea", "zen",
		"ra", "tiq", "line", "flow", "sys", "lab", "io", "ify", "ly", "gon", "dex", "mark", "nex", "pha", "quo", "rion",
		"tas", "vane", "wyn", "xa", "zio", "bright", "tera", "sonic", "vista", "gram"}
	camelA = []string{"Bright", "Data", "Cloud", "Green", "Smart", "Blue", "Deep", "Open", "Swift", "True", "Pay", "Med",
		"Agri", "Fin", "Eco", "Solar", "Nano", "Hyper", "Quick", "Urban"}
	camelB = []string{"Path", "Nest", "Mint", "Loop", "Forge", "Wave", "Leaf", "Gate", "Hive", "Scale", "Pulse", "Stack",
		"Bridge", "Field", "Light", "Works", "Tide", "Spark", "Core", "Yard"}
	words = []string{"Pigment", "Lantern", "Compass", "Harbor", "Meadow", "Ember", "Citizen", "Beacon", "Anchor",
		"Boussole", "Lanterne", "Prairie", "Chardon", "Sillon", "Escale", "Comptoir", "Atelier", "Rivage"}
	investorHeads = []string{"Ventures", "Capital", "Partners", "Invest", "Equity", "Gestion", "Growth", "Fund"}
	lastNames     = []string{"Martin", "Durand", "Lefèvre", "Moreau", "Garnier", "Chevalier", "Roux", "Fontaine",
		"Mercier", "Blanc", "Guérin", "Boyer", "Smith", "Walker", "Hughes", "Carter", "Bennett", "Shaw", "Reid", "Ellis"}
	firstNames = []string{"Claire", "Julien", "Sophie", "Thomas", "Camille", "Nicolas", "Marie", "Antoine", "Laura",
		"Pierre", "Emma", "Hugo", "James", "Sarah", "David", "Emily", "Michael", "Anna", "Paul", "Alan"}
	citiesFR = []string{"Paris", "Lyon", "Nantes", "Bordeaux", "Toulouse", "Lille", "Rennes", "Grenoble", "Marseille",
		"Strasbourg", "Montpellier", "Nice"}
	citiesEN = []string{"London", "Manchester", "Boston", "Austin", "Berlin", "Dublin", "Edinburgh", "Leeds",
		"Chicago", "Toronto", "Sydney", "Singapore"}
	sectorsFR = []string{"la logistique", "la cybersécurité", "l'intelligence artificielle", "la santé connectée",
		"les batteries", "la robotique", "l'agroalimentaire", "le recrutement", "l'assurance", "les paiements",
		"l'énergie solaire", "la mode durable"}
	sectorsEN = []string{"logistics", "cybersecurity", "payments", "insurance", "online grocery", "robotics",
		"clean energy", "healthcare software", "recruitment", "batteries"}
	cuesFR = []string{"la PME", "le cabinet", "la medtech", "la fintech", "la néobanque", "la licorne", "l'éditeur",
		"le fabricant", "l'assureur", "l'enseigne", "la jeune pousse", "la start-up", "le groupe", "la société",
		"l'équipementier", "le laboratoire", "la foodtech", "le spécialiste de la logistique", "le distributeur"}
	cuesEN = []string{"online grocer", "private hospital operator", "fintech", "software maker", "carmaker", "retailer",
		"insurer", "start-up", "payments firm", "chipmaker", "drugmaker", "logistics group", "lender"}
	demonymsFR = []string{"le britannique", "l'américain", "l'allemand", "le suédois", "le japonais", "le néerlandais",
		"L'Américain", "Le Britannique", "le français", "l'italien"}
	channels = []string{"Twitter", "Facebook", "LinkedIn", "YouTube", "Instagram", "TF1", "BFMTV", "RMC", "France Inter"}
	sources  = []string{"Reuters", "l'AFP", "Le Monde", "Les Echos", "Bloomberg", "Le Figaro"}
	sourcesE = []string{"Reuters", "the BBC", "the Financial Times", "Bloomberg", "CNBC"}
	bodies   = []string{"l'Autorité de la concurrence", "la Commission européenne", "Bercy", "l'AMF", "la BCE",
		"le ministère de l'Économie"}
	legal = []string{"SAS", "SA", "Ltd", "Holdings", "plc", "Inc.", "GmbH", "LLC"}
)

func (g *gen) pick(xs []string) string { return xs[g.rng.IntN(len(xs))] }

// fresh returns a made-up name not used before in this article.
func (g *gen) fresh(make func() string) string {
	for {
		n := make()
		if !g.used[n] {
			g.used[n] = true
			return n
		}
	}
}

// firm returns a new firm name of a random shape.
func (g *gen) firm() string {
	return g.fresh(func() string {
		switch g.rng.IntN(10) {
		case 0:
			return g.pick(camelA) + g.pick(camelB)
		case 1:
			return g.pick(pre) + g.pick(suf) + fmt.Sprint(g.rng.IntN(98)+2)
		case 2:
			return strings.ToUpper(g.pick(pre)[:1] + g.pick(suf)[:1] + g.pick(pre)[:1])
		case 3:
			return g.pick(words)
		case 4:
			return g.pick(pre) + g.pick(suf) + " & Fils"
		case 5:
			return g.pick(pre) + g.pick(suf) + " " + g.pick([]string{"Technologies", "Labs", "Energy", "Pharma", "Robotics", "Foods", "Mobility"})
		default:
			return g.pick(pre) + g.pick(suf)
		}
	})
}

func (g *gen) investor() string {
	return g.fresh(func() string {
		if g.rng.IntN(3) == 0 {
			return g.pick(pre) + g.pick(suf)
		}
		return g.pick(pre) + g.pick(suf) + " " + g.pick(investorHeads)
	})
}

func (g *gen) person() string { return g.pick(firstNames) + " " + g.pick(lastNames) }

// label records a firm and the surface form it is written under.
func (g *gen) label(canon, surface string) string {
	if g.ment[canon] == nil {
		g.gold = append(g.gold, canon)
	}
	g.ment[canon] = append(g.ment[canon], surface)
	return surface
}

func (g *gen) f(canon string) string { return g.label(canon, canon) }

func (g *gen) amount() string { return fmt.Sprint(g.rng.IntN(180) + 2) }

// list writes names as "A, B et C" (or "and").
func list(names []string, and string) string {
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " " + and + " " + names[len(names)-1]
}

func (g *gen) investors(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = g.f(g.investor())
	}
	return out
}

// frenchSentence is one sentence of a French dispatch about firm f.
func (g *gen) frenchSentence(f string) string {
	switch g.rng.IntN(16) {
	case 0:
		return fmt.Sprintf("%s %s, spécialisée dans %s, a levé %s millions d'euros auprès de %s.", capital(g.pick(cuesFR)), g.f(f), g.pick(sectorsFR), g.amount(), list(g.investors(2+g.rng.IntN(3)), "et"))
	case 1:
		return fmt.Sprintf("Le tour de table a été mené par %s, avec la participation de %s.", g.f(g.investor()), list(g.investors(1+g.rng.IntN(2)), "et"))
	case 2:
		return fmt.Sprintf("%s a repris %s et %s.", g.f(f), g.f(g.firm()), g.f(g.firm()))
	case 3:
		return fmt.Sprintf("Le fonds %s a investi dans %s, %s et %s.", g.f(g.investor()), g.f(f), g.f(g.firm()), g.f(g.firm()))
	case 4:
		return fmt.Sprintf("%s %s a annoncé jeudi le rachat de %s pour %s millions d'euros.", capital(g.pick(demonymsFR)), g.f(f), g.f(g.firm()), g.amount())
	case 5:
		p := g.person()
		return fmt.Sprintf("%s, PDG de %s, a précisé sur %s que la société comptait recruter %d personnes.", p, g.f(f), g.pick(channels), g.rng.IntN(300)+20)
	case 6:
		return fmt.Sprintf("Selon %s, %s a réalisé un chiffre d'affaires de %s millions d'euros.", g.pick(sources), g.f(f), g.amount())
	case 7:
		return fmt.Sprintf("%s va ouvrir une usine à %s, a indiqué %s, interrogé sur %s.", g.f(f), g.pick(citiesFR), g.person(), g.pick(channels))
	case 8:
		return fmt.Sprintf("%s (%s) : %s millions d'euros.", g.f(f), strings.TrimPrefix(strings.TrimPrefix(g.pick(sectorsFR), "la "), "l'"), g.amount())
	case 9:
		return fmt.Sprintf("%s %s est devenue la filiale de %s.", capital(g.pick(cuesFR)), g.f(f), g.f(g.firm()))
	case 10:
		return fmt.Sprintf("L'opération doit encore être validée par %s.", g.pick(bodies))
	case 11:
		lf := g.firm()
		return fmt.Sprintf("La société %s %s a signé un contrat avec %s.", g.label(lf, lf), g.pick(legal[:2]), g.f(f))
	case 12:
		return fmt.Sprintf("Les investisseurs historiques, %s, ont remis au pot.", list(g.investors(2), "et"))
	case 13:
		return fmt.Sprintf("« Nous voulons doubler nos effectifs », explique %s, cofondateur de %s, dans une vidéo publiée sur YouTube.", g.person(), g.f(f))
	case 14:
		return fmt.Sprintf("%s, qui emploie %d salariés à %s, a été fondée en %d.", g.f(f), g.rng.IntN(500)+10, g.pick(citiesFR), 1990+g.rng.IntN(33))
	default:
		return fmt.Sprintf("Parmi ses concurrents figurent %s.", list([]string{g.f(g.firm()), g.f(g.firm()), g.f(g.firm())}, "et"))
	}
}

// englishSentence is one sentence of an English dispatch about firm f.
func (g *gen) englishSentence(f string) string {
	switch g.rng.IntN(14) {
	case 0:
		return fmt.Sprintf("%s %s has raised $%sm from %s.", capital(g.pick(cuesEN)), g.f(f), g.amount(), list(g.investors(2+g.rng.IntN(2)), "and"))
	case 1:
		return fmt.Sprintf("The round was led by %s, with participation from %s.", g.f(g.investor()), list(g.investors(1+g.rng.IntN(2)), "and"))
	case 2:
		return fmt.Sprintf("%s, a %s-based start-up, said it would hire %d people.", g.f(f), g.pick(citiesEN), g.rng.IntN(400)+20)
	case 3:
		return fmt.Sprintf("%s-based %s agreed to buy %s for £%sm.", g.pick(citiesEN), g.f(f), g.f(g.firm()), g.amount())
	case 4:
		return fmt.Sprintf("Shares of %s rose %d%% after it acquired %s.", g.f(f), g.rng.IntN(20)+1, g.f(g.firm()))
	case 5:
		lf := g.firm()
		return fmt.Sprintf("%s %s reported a pre-tax profit of £%sm.", g.label(lf, lf), g.pick(legal[2:]), g.amount())
	case 6:
		return fmt.Sprintf("%s, chief executive of %s, told %s the deal made sense.", g.person(), g.f(f), g.pick(sourcesE))
	case 7:
		return fmt.Sprintf("%s said on %s that %s would open a plant in %s.", g.person(), g.pick(channels[:5]), g.f(f), g.pick(citiesEN))
	case 8:
		return fmt.Sprintf("Rivals %s and %s have also cut jobs.", g.f(g.firm()), g.f(g.firm()))
	case 9:
		return fmt.Sprintf("The deal still needs the approval of the Competition and Markets Authority, according to %s.", g.pick(sourcesE))
	case 10:
		return fmt.Sprintf("%s is backed by %s.", g.f(f), list(g.investors(2), "and"))
	case 11:
		return fmt.Sprintf("%s, which owns %s, sold its stake to %s.", g.f(f), g.f(g.firm()), g.f(g.investor()))
	case 12:
		return fmt.Sprintf("%s (%s): $%sm.", g.f(f), g.pick(sectorsEN), g.amount())
	default:
		return fmt.Sprintf("%s shares fell after %s cut its forecast.", g.f(f), g.f(f))
	}
}

func capital(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func generate(n int, seed uint64) []labels.Article {
	rng := rand.New(rand.NewPCG(seed, 99))
	var out []labels.Article
	for k := range n {
		g := &gen{rng: rng, used: map[string]bool{}, ment: map[string][]string{}}
		lang := "fr"
		if k%3 == 2 {
			lang = "en"
		}
		main := g.firm()
		var title string
		var body []string
		if lang == "fr" {
			title = fmt.Sprintf("%s lève %s millions d'euros", g.f(main), g.amount())
			for range 3 + rng.IntN(4) {
				body = append(body, g.frenchSentence(main))
			}
		} else {
			title = fmt.Sprintf("%s raises $%sm", g.f(main), g.amount())
			for range 3 + rng.IntN(4) {
				body = append(body, g.englishSentence(main))
			}
		}
		text := strings.ReplaceAll(strings.Join(body, " "), "  ", " ")
		a := labels.Article{ID: fmt.Sprintf("synthetic-%04d", k+1), Set: labels.SetSynthetic, Split: labels.Train,
			Lang: lang, Title: title, Text: text, Companies: g.gold, Mentions: g.ment,
			Countries: []string{}, Amounts: []labels.Amount{},
			Notes: "made up for veille's training: every firm invented, labelled by construction"}
		a.SHA256 = labels.Hash(a.Title, a.Text)
		out = append(out, a)
	}
	return out
}
