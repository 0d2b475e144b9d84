package companies

import (
	_ "embed"
	"strings"
)

// Word lists used by the rules. They are read-only.

var (
	articles = setOf("le", "la", "les", "l")
	civility = setOf("m", "mme", "mmes", "mlle", "me", "mm", "dr", "pr", "mr", "mrs", "ms", "sir", "lord")
	// Words before a surname that make it a person.
	personBefore = setOf("famille", "familles", "clan", "veuve", "epoux", "epouse", "freres", "soeurs", "heritiers", "dynastie", "general", "marechal", "abbe", "pere", "saint", "sainte", "docteur", "professeur", "maitre", "madame", "monsieur")
	// Bare nouns that describe a firm named just before a comma.
	appositionNouns = setOf("filiale", "fabricant", "equipementier", "maison-mere", "operateur",
		"distributeur", "constructeur", "assureur")
	// Possessive determiners: "son groupe" is rarely a firm.
	possessiveDet = setOf("son", "sa", "ses", "leur", "leurs", "mon", "ma", "notre", "votre")
	// Roles whose holder is named after "du groupe", "de la société".
	roles = setOf("pdg", "patron", "patronne", "president", "presidente", "directeur", "directrice",
		"fondateur", "fondatrice", "dirigeant", "dirigeante", "parole", "ceo", "chef", "responsable",
		"administrateur", "administratrice", "gerant", "gerante", "salarie", "salariee", "numero", "boss",
		"vice-president", "cofondateur", "cofondatrice", "associe", "associee", "economiste", "analyste")
	// Cue nouns announcing a firm's name. Plural forms announce lists.
	cueNouns = setOf(
		"societe", "groupe", "constructeur", "compagnie", "banque", "startup", "geant", "entreprise",
		"fabricant", "operateur", "editeur", "distributeur", "assureur", "laboratoire", "labo", "fonds",
		"equipementier", "specialiste", "firme", "enseigne", "holding", "filiale", "cabinet", "petrolier",
		"gazier", "energeticien", "electricien", "avionneur", "motoriste", "siderurgiste", "chimiste",
		"verrier", "joaillier", "brasseur", "cimentier", "armateur", "transporteur", "loueur", "voyagiste",
		"parfumeur", "industriel", "conglomerat", "cooperative", "mutuelle", "cristallerie", "repreneur", "fournisseur", "prestataire", "pure",
		"biotech", "licorne", "negociant", "courtier", "hebergeur", "chausseur", "semencier",
		"confiseur", "volailler", "fromager", "laitier", "papetier", "imprimeur",
		"sous-traitant", "constructeurs", "societes", "groupes", "compagnies", "banques", "startups",
		"geants", "entreprises", "fabricants", "operateurs", "editeurs", "distributeurs", "assureurs",
		"laboratoires", "equipementiers", "firmes", "enseignes", "petroliers", "repreneurs", "fournisseurs", "biotechs", "filiales", "cabinets", "loueurs",
	)
	// Modifiers after a cue that make it about something else than a
	// firm: "le groupe de rock", "la banque centrale".
	cueVeto = setOf("rock", "musique", "musical", "pop", "rap", "jihadiste", "djihadiste", "terroriste",
		"arme", "armes", "parlementaire", "politique", "rebelle", "rebelles", "islamiste", "hackers", "pirates",
		"amis", "travail", "experts", "pression", "opposition", "centrale", "mondiale", "alimentaire",
		"donnees", "sang", "organes", "danse", "theatre", "theatrale", "ballet", "cirque", "republicaine",
		"socialiste", "communiste", "ecologiste", "centriste", "majoritaire", "reflexion",
		"scolaire", "hospitalier", "recherche", "medecin", "specialistes",
		"solidarite", "souverain", "vautour", "musicaux", "criminel", "mafieux", "ethnique", "sanguin",
		"chanteur", "chanteuse", "comedien", "acteur", "realisateur")
	// Lowercase words that end the modifiers after a cue.
	stopWords = setOf("a", "au", "aux", "est", "sont", "ont", "avait", "etait", "sera", "va", "vont",
		"qui", "que", "qu", "dont", "ou", "et", "mais", "donc", "or", "ni", "car", "le", "la", "les",
		"un", "une", "ce", "cette", "ces", "son", "sa", "ses", "leur", "leurs", "il", "elle", "ils",
		"elles", "on", "se", "s", "y", "ne", "n", "pas", "plus", "par", "pour", "avec", "sur", "dans",
		"chez", "entre", "vers", "sans", "sous", "lors", "depuis", "selon", "comme", "si", "aussi",
		"deja", "encore", "tres", "tout", "tous", "toute", "toutes", "ainsi", "alors", "c", "j", "me",
		"lui", "nous", "vous", "je", "tu", "meme", "cela", "ca", "apres", "avant", "pendant", "contre")
	// Connectors that may join the words of a name.
	nameJoin = setOf("de", "du", "des", "d", "of", "and")
	// Trigger nouns of "TRIGGER de X": the firm X.
	possessive = setOf("pdg", "p-dg", "salaries", "employes", "actionnaires", "actionnaire", "filiale",
		"filiales", "maison-mere", "rachat", "conseil")
	// Capitalised words that open sentences or clauses, never names.
	capStop = setOf("le", "la", "les", "l", "un", "une", "des", "du", "de", "d", "en", "dans", "pour", "par",
		"sur", "selon", "mais", "et", "ou", "donc", "car", "ce", "cette", "ces", "cet", "il", "elle", "ils",
		"elles", "on", "nous", "vous", "je", "depuis", "apres", "avant", "lors", "pendant", "chez", "sans",
		"sous", "vers", "ainsi", "alors", "enfin", "puis", "pourtant", "toutefois", "cependant", "desormais",
		"aujourd", "hier", "demain", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
		"janvier", "fevrier", "mars", "avril", "mai", "juin", "juillet", "aout", "septembre", "octobre",
		"novembre", "decembre", "au", "aux", "a", "avec", "si", "quand", "comme", "son", "sa", "ses",
		"leur", "leurs", "notre", "nos", "votre", "vos", "mon", "ma", "mes", "tout", "tous", "toute",
		"toutes", "plus", "moins", "tres", "fin", "debut", "mi", "outre", "face", "grace", "malgre",
		"entre", "parmi", "contre", "aussi", "encore", "deja", "certes", "enfin", "bref", "ici", "la",
		"oui", "non", "seul", "seule", "seuls", "autre", "autres", "chaque", "plusieurs", "certains",
		"certaines", "quelque", "quelques", "cela", "ceci", "ca", "celui", "celle", "ceux", "qui", "que",
		"quoi", "dont", "ou", "ni", "comment", "pourquoi", "combien", "voici", "voila", "of", "the", "and",
		"fonde", "fondee", "cree", "creee", "lance", "lancee", "base", "basee", "situe", "situee", "ne",
		"selon", "jusqu", "afin", "lorsque", "puisque", "tandis", "bien", "mme", "m", "me", "dr", "pdg")
	// Legal-form suffixes removed from discovered names; the marked ones
	// also reveal a firm when they follow a capitalised name.
	legalSuffix = map[string]bool{"sa": true, "sas": true, "sasu": true, "sarl": true, "sca": true, "ltd": true,
		"limited": true, "inc": true, "incorporated": true, "corp": true, "gmbh": true, "ag": true, "plc": true,
		"nv": true, "bv": true, "spa": true, "llc": true, "llp": true, "holding": true, "holdings": true,
		"group": true, "groupe": false, "se": false, "co": false, "corporation": false, "cie": false}
	// Business words that vouch for an ambiguous alias in the same sentence.
	businessWords = setOf("pdg", "patron", "patronne", "dirigeant", "dirigeants", "directeur", "directrice",
		"fondateur", "fondateurs", "actionnaire", "actionnaires", "action", "actions", "bourse", "cac", "chiffre",
		"benefice", "benefices", "perte", "pertes", "filiale", "filiales", "groupe", "operateur", "operateurs",
		"abonnes", "abonnements", "clients", "salaries", "employes", "milliard", "milliards", "million", "millions",
		"euros", "dollars", "rachat", "racheter", "rachete", "fusion", "contrat", "societe", "entreprise",
		"usine", "usines", "magasin", "magasins", "hypermarches", "supermarches", "hypermarche", "supermarche",
		"enseigne", "telecoms", "telephonie", "petrolier", "petroliere", "raffinerie", "carburants", "marque",
		"concurrent", "concurrents", "investissement", "investit", "partenariat", "cession", "capital",
		"dividende", "resultats", "licenciements", "industriel", "ventes", "forfait", "forfaits", "fibre",
		"distribution", "distributeur", "rentabilite", "semestre", "trimestre", "cotee", "constructeur",
		"fournisseur", "commandes", "livraisons", "facture", "factures", "offre", "offres")
	// Nouns that make the next capitalised word a place name.
	placeNouns = setOf("quartier", "rue", "place", "avenue", "boulevard", "cite", "gare", "stade", "village",
		"ville", "commune", "port", "pont", "salle", "route", "plage", "canal", "riviere", "fleuve", "lac", "mont",
		"vallee", "foret", "parc", "ile", "residence", "allee", "quai", "impasse", "chemin", "station", "aeroport",
		"tour", "musee", "chateau", "hotel", "cathedrale", "eglise", "abbaye", "universite", "region", "departement")
	// Places a name cannot end with when discovered ("Timac Agro France").
	trailingPlaces = setOf("france", "uk", "usa", "us", "europe", "deutschland", "italia", "espana",
		"international", "belgique", "suisse", "canada", "australia", "australie", "japan", "japon",
		"china", "chine", "inde", "india", "benelux", "emea", "iberia", "allemagne", "espagne", "italie")
)

// allDigits reports whether a token has digits only.
func allDigits(t *token) bool { return strings.Trim(t.fold, "0123456789") == "" }

// setOf builds a read-only set.
func setOf(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// Words of the classifier's features. They are read-only.
var (
	// extraCues are nouns that announce a firm besides cueNouns, French
	// and English: "la medtech X", "online grocer X", "the carmaker X".
	extraCues = setOf("pme", "traiteur", "patissier", "boulanger", "chocolatier", "vigneron", "negociant", "exploitant", "medtech", "fintech", "foodtech", "legaltech", "proptech", "edtech", "neobanque",
		"licorne", "jeune", "pousse", "pousses", "fabricant", "marque", "editrice", "exploitant", "concessionnaire",
		"investisseur", "investisseurs", "actionnaire", "partenaire", "partenaires", "client", "concurrent",
		"rival", "cabinet", "societe", "franchise", "chaine", "plateforme", "application", "appli", "studio",
		"firm", "firms", "company", "companies", "group", "bank", "banks", "giant", "maker", "makers", "carmaker",
		"operator", "startup", "start", "retailer", "grocer", "supermarket", "carrier", "airline", "insurer",
		"lender", "fund", "funds", "investor", "investors", "owner", "subsidiary", "unit", "parent", "chain",
		"brand", "manufacturer", "producer", "supplier", "developer", "rivals", "conglomerate", "broker",
		"brewer", "miner", "chipmaker", "drugmaker", "automaker", "publisher", "broadcaster", "network",
		"platform", "provider", "utility", "telecoms", "telecom", "oil", "energy", "pharmaceutical", "software",
		"based", "owned", "backed", "listed", "unicorn", "partner", "partners", "client", "clients", "customer",
		"maison", "institut", "sondage", "sondeur", "label", "regie", "hebdomadaire", "quotidien", "magazine",
		"journal", "titre", "radio", "agence", "site", "service", "reseau", "banque", "bureau", "boutique",
		"restaurant", "hotel", "palace", "fabricant", "createur", "concepteur", "developpeur", "acteur",
		"leader", "numero", "poids", "mastodonte", "champion", "pepite", "fleuron", "sous-traitant",
		"brasserie", "fromagerie", "biscuiterie", "conserverie", "laiterie", "cooperative", "scierie",
		"fonderie", "imprimerie", "distillerie", "cave", "domaine", "chateau", "marques", "enseignes",
		"consultancy", "agency", "bookmaker", "chain", "store", "stores", "retailers", "lenders", "insurers",
		"airlines", "carriers", "operators", "makers", "producers", "suppliers", "brands", "outfit", "conglomerate",
		"titan", "heavyweight", "rival", "firm's", "auditor", "accountant", "accountancy", "consultant", "consultants",
		"pollster", "researcher", "analysts", "watchdog", "newspaper", "paper", "channel", "studio", "label")
	// dealWords are verbs and nouns of business news around a firm:
	// "a racheté X", "X acquired", "shares of X", "auprès de X".
	dealWords = setOf("rachete", "racheter", "rachat", "racheté", "repris", "reprend", "reprise", "acquis",
		"acquiert", "acquisition", "cede", "cedé", "cession", "vend", "vendu", "vente", "fusion", "fusionne",
		"leve", "levé", "levee", "investi", "investit", "investissement", "mene", "mené", "participation",
		"aupres", "cotes", "soutien", "soutenu", "finance", "financé", "tour", "table", "capital", "actionnaire",
		"actionnaires", "filiale", "maison", "mere", "signe", "signé", "contrat", "commande", "partenariat",
		"accord", "alliance", "coentreprise", "entree", "introduction", "bourse", "cotee", "cote", "offre", "opa",
		"acquired", "acquire", "acquires", "bought", "buy", "buys", "sold", "sell", "sells", "raised", "raises",
		"invested", "invests", "investment", "shares", "stake", "merger", "merge", "deal", "led", "backed",
		"takeover", "bid", "offer", "profits", "profit", "revenue", "revenues", "sales", "chief", "executive",
		"boss", "shareholders", "subsidiary", "announced", "said", "annonce", "indique", "precise", "selon",
		"according", "told", "reported", "plans", "cuts", "jobs", "emplois", "salaries", "usine", "plant",
		"licencie", "supprime", "recrute", "ouvre", "ferme", "benefice", "perte", "chiffre", "resultat")
	// orgWords end names of firms: "Brevix Group", "Kima Ventures".
	orgWords = setOf("group", "groupe", "holding", "holdings", "capital", "ventures", "venture", "partners",
		"partenaires", "invest", "investment", "investments", "gestion", "finance", "bank", "banque", "assurances",
		"assurance", "insurance", "technologies", "technology", "tech", "labs", "lab", "pharma", "pharmaceuticals",
		"therapeutics", "biotech", "motors", "automotive", "airlines", "airways", "telecom", "energy", "energies",
		"energie", "systems", "software", "solutions", "services", "industries", "industrie", "international",
		"corporation", "company", "co", "inc", "sa", "sas", "ag", "plc", "ltd", "llc", "gmbh", "nv", "spa", "se",
		"media", "medias", "studio", "studios", "foods", "brands", "retail", "logistics", "logistique", "robotics",
		"ai", "digital", "networks", "mobility", "bio", "santé", "sante", "health", "healthcare")
)

// shellWords only name a firm's legal shell: "Europcar Group" is
// Europcar, while "GE Capital" is a subsidiary of its own.
var shellWords = setOf("group", "groupe", "holding", "holdings", "company", "companies", "corporation", "cie", "co", "compagnie")

// topLevelDomains join a name written as a web address ("Plus.net",
// "Musical.ly", "Boursorama.com").
var topLevelDomains = setOf("com", "net", "org", "fr", "io", "ly", "co", "de", "uk", "tv", "ai", "eu", "info", "biz")

// determiners before a noun that may announce a name.
var determiners = setOf("le", "la", "l", "les", "un", "une", "du", "des", "au", "aux", "the", "a", "an", "its", "son", "sa")

// bodyWords name institutions, places and events rather than firms,
// wherever they stand in a name.
var bodyWords = setOf("ministry", "department", "authority", "commission", "council", "board", "agency", "office",
	"court", "committee", "university", "college", "school", "hospital", "hospitals", "trust", "police", "parliament",
	"senate", "congress", "government", "assembly", "institute", "foundation", "association", "federation", "union",
	"party", "league", "club", "fc", "rfc", "museum", "festival", "stadium", "airport", "dam", "bridge", "station",
	"street", "road", "square", "city", "county", "province", "state", "republic", "kingdom", "ministere", "conseil",
	"cour", "tribunal", "prefecture", "mairie", "region", "universite", "institut", "fondation", "federation",
	"syndicat", "agence", "autorite", "comite", "hopital", "hopitaux", "musee", "stade", "aeroport", "gare", "ville",
	"departement", "collectivite", "lycee", "ecole", "parti", "assemblee", "senat", "gouvernement", "armee",
	"prefet", "observatoire", "academie", "partnership", "nhs")

// Word classes: each token of an analysed text carries the classes of
// its folded form (token.cls), looked up once, so that the rules and the
// features test bits rather than maps.
const (
	clsArticle uint32 = 1 << iota
	clsCivility
	clsPersonBefore
	clsAppositionNoun
	clsPossessiveDet
	clsRole
	clsCueNoun
	clsCueVeto
	clsStop
	clsNameJoin
	clsPossessive
	clsCapStop
	clsLegal
	clsBusiness
	clsPlaceNoun
	clsTrailingPlace
	clsExtraCue
	clsDeal
	clsOrg
	clsDeterminer
	clsBody
	clsFirstName  // the gazetteer's [first-names]
	clsHead       // the gazetteer's [not-company-heads]
	clsLowerAlias // starts a gazetteer alias that may be written in lower case
)

// wordClasses maps the word lists above to their classes.
func wordClasses() map[string]uint32 {
	m := make(map[string]uint32, 2048)
	for _, l := range []struct {
		set map[string]bool
		cls uint32
	}{
		{articles, clsArticle}, {civility, clsCivility}, {personBefore, clsPersonBefore},
		{appositionNouns, clsAppositionNoun}, {possessiveDet, clsPossessiveDet}, {roles, clsRole},
		{cueNouns, clsCueNoun}, {cueVeto, clsCueVeto}, {stopWords, clsStop}, {nameJoin, clsNameJoin},
		{possessive, clsPossessive}, {capStop, clsCapStop}, {legalSuffix, clsLegal}, {businessWords, clsBusiness},
		{placeNouns, clsPlaceNoun}, {trailingPlaces, clsTrailingPlace}, {extraCues, clsExtraCue},
		{dealWords, clsDeal}, {orgWords, clsOrg}, {determiners, clsDeterminer}, {bodyWords, clsBody},
	} {
		for w, in := range l.set {
			if in {
				m[w] |= l.cls
			}
		}
	}
	return m
}
