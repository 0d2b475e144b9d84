// Package money finds the sums of money an article writes with digits and
// a currency ("2,5 milliards de dollars", "$1.13bn", "45 000 €", "118p")
// and converts them to euros at the ECB reference rate of the article's
// month ([Extract], [Rates]).
//
// The scan is one pass over the text, linear in its length, bounded
// ([MaxAmounts] distinct sums) and cancellable through its context. The
// files: extract.go (the scan, ranges, sums that share a currency word),
// tail.go (multipliers and what follows a number), currency.go (currency
// words, symbols and codes), context.go (currency words several countries
// share), number.go (French and English number notation), rates.go and
// data/ (the rate tables).
package money
