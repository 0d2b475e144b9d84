// Package api is veille's HTTP interface: the JSON API of the contract
// (search, articles, reindex, stats), health and readiness probes,
// Prometheus metrics, the OpenAPI document and the search page.
//
// The package owns its wire types: nothing of Bleve or of the index's
// internals reaches a response. Handlers call a small [Service] (satisfied
// by *index.Index); every error goes through one error handler that maps
// domain errors to statuses and to the contract's body
//
//	{"error": {"code": "invalid_query", "message": "...", "request_id": "..."}}
//
// Status choices where the contract leaves room:
//   - PUT answers 201 when it created the article, 200 when it replaced it.
//   - POST of one JSON article answers like PUT; an id is generated from
//     the content when absent (the same content gets the same id).
//   - NDJSON bulk answers 200 with a per-line report, even when some
//     lines failed; good lines are indexed regardless of bad ones.
//   - DELETE answers 204.
//   - POST /api/reindex answers 202 and rebuilds in the background
//     (/api/stats shows "reindexing": true meanwhile), or 200 once done
//     with ?wait=true; 409 when a rebuild is already running.
//   - Unknown query parameters of /api/search are rejected with 400, so
//     typos ("per-page") do not go unnoticed.
package api
