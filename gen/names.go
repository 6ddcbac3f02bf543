package gen

import "strconv"

// tickers are the first symbol names, busiest first.
var tickers = [...]string{
	"AAPL", "MSFT", "AMZN", "NVDA", "GOOG", "META", "TSLA", "AVGO", "BRK.B", "JPM",
	"LLY", "V", "UNH", "XOM", "MA", "JNJ", "PG", "HD", "COST", "ORCL",
	"ABBV", "MRK", "CVX", "KO", "PEP", "AMD", "NFLX", "CRM", "ADBE", "WMT",
	"BAC", "INTC", "CSCO", "QCOM", "TXN", "IBM", "DIS", "MCD", "NKE", "GS",
}

// SymbolName returns the name of symbol i: a real ticker for the first ones,
// then "S0040", "S0041", ... (the index, at least 4 digits).
func SymbolName(i int) string {
	if i < len(tickers) {
		return tickers[i]
	}
	s := strconv.Itoa(i)
	for len(s) < 4 {
		s = "0" + s
	}
	return "S" + s
}
