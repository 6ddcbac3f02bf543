package risk

import (
	"strings"
	"testing"

	"github.com/tradeengine/engine/event"
)

func TestReport(t *testing.T) {
	outs := []event.Out{
		{Seq: 1, TS: 100, Kind: event.OutAccepted, Account: 5, ID: 1},
		{Seq: 2, TS: 150, Kind: event.OutAccepted, Account: 7, ID: 2}, // before the start
		{Seq: 3, TS: 200, Kind: event.OutAccepted, Account: 7, ID: 3},
		{Seq: 3, TS: 200, Kind: event.OutTrade, Account: 7, OtherAccount: 5, Qty: 10},
		{Seq: 4, TS: 300, Kind: event.OutTrade, Account: 6, OtherAccount: 7, Qty: 5},
		{Seq: 5, TS: 400, Kind: event.OutRejected, Account: 6, Reason: event.ReasonMaxQty},
		{Seq: 6, TS: 500, Kind: event.OutKill, Account: event.Any, Symbol: 3, Reason: event.ReasonOperator},
		{Seq: 7, TS: 600, Kind: event.OutTrade, Account: 7, OtherAccount: 8, Qty: 1},
		{Seq: 7, TS: 600, Kind: event.OutKill, Account: 7, Symbol: event.Any, Reason: event.ReasonExecAnomaly, Qty: 501, Price: 500, Other: 1e9},
		{Seq: 8, TS: 700, Kind: event.OutRejected, Account: 7, Reason: event.ReasonKilled},
		{Seq: 9, TS: 800, Kind: event.OutTrade, Account: 9, OtherAccount: 7, Qty: 3},
		{Seq: 10, TS: 900, Kind: event.OutClear, Account: 7, Symbol: event.Any},
		{Seq: 11, TS: 950, Kind: event.OutBreaker, Account: 4, Reason: event.ReasonBreakerOpen, Qty: 20},
	}
	r := NewReport(7, 180)
	for i := range outs {
		r.Add(&outs[i])
	}
	ra := r.Runaway
	want := Runaway{Account: 7, Start: 180, FirstSeq: 3, FirstTS: 200, Killed: true, KillSeq: 7, KillTS: 600,
		KillReason: event.ReasonExecAnomaly, TimeToKill: 400, Leaked: 3, LeakedQty: 16, AfterKill: 1}
	if *ra != want {
		t.Fatalf("runaway %+v, want %+v", *ra, want)
	}
	if r.Trades != 4 || len(r.Trips) != 2 || len(r.Clears) != 1 || len(r.Breakers) != 1 || r.RiskRejections() != 2 || r.Outputs != int64(len(outs)) {
		t.Fatalf("report %+v", r)
	}
	s := r.String()
	for _, part := range []string{"trips 2", "symbol 3 operator", "account 7 exec_anomaly: measured 501, limit 500, window 1s",
		"killed at seq 7 by exec_anomaly after 400ns", "3 executions (16 lots) leaked", "rejected killed"} {
		if !strings.Contains(s, part) {
			t.Errorf("report lacks %q:\n%s", part, s)
		}
	}
}
