package pipeline

import (
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tradeengine/engine/admin"
	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/journal"
	"github.com/tradeengine/engine/replay"
	"github.com/tradeengine/engine/risk"
)

// chanSource is a live feed: Next blocks until the test sends an event or
// closes the channel.
type chanSource struct{ ch chan event.In }

func (s *chanSource) Next(in *event.In) error {
	e, ok := <-s.ch
	if !ok {
		return io.EOF
	}
	*in = e
	return nil
}

// Buffered says what a live decoder says: whether the next Next would
// not block.
func (s *chanSource) Buffered() int { return len(s.ch) }

// feed sends evs to s (on its own goroutine when the ring may fill).
func (s *chanSource) feed(evs []event.In) {
	for _, e := range evs {
		s.ch <- e
	}
}

// waitFor polls cond, which reads state the engine publishes, until it
// holds; it fails the test after a generous deadline.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

type liveRun struct {
	src  *chanSource
	ctl  *Control
	rec  *recorder
	sum  Summary
	err  error
	done chan struct{}
}

// startLive starts a run of cfg on a live feed with a Control.
func startLive(t *testing.T, cfg Config) *liveRun {
	t.Helper()
	lr := &liveRun{src: &chanSource{ch: make(chan event.In)}, ctl: NewControl(), rec: &recorder{}, done: make(chan struct{})}
	cfg.Control = lr.ctl
	cfg.LiveFeed = true
	go func() {
		defer close(lr.done)
		lr.sum, lr.err = Run(context.Background(), cfg, lr.src, lr.rec)
	}()
	waitFor(t, "the run to start", func() bool { return lr.ctl.run.Load() != nil })
	return lr
}

func (lr *liveRun) finish(t *testing.T) {
	t.Helper()
	close(lr.src.ch)
	<-lr.done
	if lr.err != nil {
		t.Fatal(lr.err)
	}
}

func submit(t *testing.T, c *Control, in event.In, text string) admin.Applied {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	a, err := c.Submit(ctx, admin.Op{In: in, Peer: admin.Peer{UID: 1000, GID: 1000, PID: 4242}, Text: text}, nil)
	if err != nil {
		t.Fatalf("%s: %v", text, err)
	}
	return a
}

// replayJournal applies every event of the journal at dir to fresh logic
// and returns the outputs: what a replay of the day gives.
func replayJournal(t *testing.T, cfg Config, dir string) []event.Out {
	t.Helper()
	cfg.Matcher.HashKey = journalID(t, dir)
	l, err := replay.NewLogic(replay.Config{Matcher: cfg.Matcher, Risk: cfg.Risk})
	if err != nil {
		t.Fatal(err)
	}
	var outs []event.Out
	for _, in := range readJournal(t, dir) {
		outs = l.Apply(&in, outs)
	}
	return outs
}

// TestAdminKill: a kill over the control during a running feed is
// sequenced and journaled with its peer and text; it cancels the account's
// resting orders (the answer counts them), the account's first new order
// after it is rejected as killed, and a replay of the journal gives the
// same outputs.
func TestAdminKill(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig()
	cfg.Journal = journalConfig(dir, journal.Batch)
	evs := genFlow(t, 6000, 3)
	lr := startLive(t, cfg)
	lr.src.feed(evs[:3000])
	waitFor(t, "3000 events applied", func() bool { return lr.ctl.Stats().EventsApplied == 3000 })

	// The account with resting orders that trades most after the kill.
	acct := uint32(0)
	for _, e := range evs[3000:] {
		if e.Kind == event.KindNew {
			acct = e.Account
			break
		}
	}
	ans, err := lr.ctl.Query(context.Background(), admin.Query{Kind: admin.QueryOrders, Account: acct})
	if err != nil {
		t.Fatal(err)
	}
	a := submit(t, lr.ctl, event.In{Kind: event.KindKill, Account: acct, Symbol: event.Any, Arg: event.KillCancel}, "kill account 7 cancel")
	if a.Seq != 3001 {
		t.Errorf("kill got seq %d, want 3001", a.Seq)
	}
	if a.Cancelled != len(ans.Orders) {
		t.Errorf("kill cancelled %d orders, the account had %d resting", a.Cancelled, len(ans.Orders))
	}
	if a.Outs[0].Kind != event.OutKill || a.Outs[0].Account != acct {
		t.Errorf("kill answered %+v first, want OutKill of account %d", a.Outs[0], acct)
	}
	lr.src.feed(evs[3000:])
	lr.finish(t)

	// The account's first new order after the kill is rejected as killed.
	found := false
	for _, o := range lr.rec.outs {
		if o.Seq > a.Seq && o.Account == acct && (o.Kind == event.OutAccepted || o.Kind == event.OutRejected) {
			if o.Kind != event.OutRejected || o.Reason != event.ReasonKilled {
				t.Fatalf("account %d's first order after the kill: %v %v", acct, o.Kind, o.Reason)
			}
			found = true
			break
		}
	}
	if !found {
		t.Fatalf("account %d sent no order after the kill", acct)
	}

	// The journal holds the command, with who sent it.
	rd, err := journal.NewReader(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	var cmds []replay.Command
	for rd.Next() {
		if rec := rd.Record(); rec.Type == replay.RecordCommand {
			c, err := replay.DecodeCommand(rec)
			if err != nil {
				t.Fatal(err)
			}
			cmds = append(cmds, c)
		}
	}
	if len(cmds) != 1 || cmds[0].In.Seq != a.Seq || cmds[0].UID != 1000 || cmds[0].PID != 4242 || cmds[0].Text != "kill account 7 cancel" {
		t.Fatalf("journaled commands %+v", cmds)
	}
	if got, want := digestOf(replayJournal(t, cfg, dir)), digestOf(lr.rec.outs); got != want {
		t.Fatalf("replay digest %s, live %s", got, want)
	}
	if lr.sum.EventsIn != 6001 {
		t.Fatalf("%d events in, want 6001", lr.sum.EventsIn)
	}
}

// TestAdminPauseResume: after a pause the logic applies nothing more while
// ingest goes on taking and journaling the feed until the input ring is
// full (and waits: nothing dropped); queries are answered while paused;
// after the resume every event is processed once, in order, and the
// outputs are those of a run without the pause.
func TestAdminPauseResume(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig()
	cfg.InRing = 64
	cfg.Batch = 16
	cfg.Journal = journalConfig(dir, journal.Batch)
	evs := genFlow(t, 3000, 5)
	lr := startLive(t, cfg)
	lr.src.feed(evs[:1000])
	waitFor(t, "1000 events in", func() bool { return lr.ctl.Stats().LastSeq == 1000 })
	p := submit(t, lr.ctl, event.In{Kind: event.KindPause}, "pause")
	if p.Seq != 1001 || p.Outs[0].Kind != event.OutPaused {
		t.Fatalf("pause: seq %d, outputs %+v", p.Seq, p.Outs)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); lr.src.feed(evs[1000:]) }()
	// The ring fills: ingest has journaled a ring's worth and waits.
	waitFor(t, "the input ring to fill", func() bool {
		st := lr.ctl.Stats()
		return st.LastSeq == p.Seq+uint64(cfg.InRing)
	})
	st := lr.ctl.Stats()
	if !st.Paused || st.PausedAt != p.Seq || st.AppliedSeq != p.Seq || st.EventsJournal != st.EventsIn {
		t.Fatalf("while paused: %+v", st)
	}
	if _, err := lr.ctl.Query(context.Background(), admin.Query{Kind: admin.QueryLimits}); err != nil {
		t.Fatalf("query while paused: %v", err)
	}
	r := submit(t, lr.ctl, event.In{Kind: event.KindUnpause}, "resume")
	if r.Outs[0].Kind != event.OutUnpaused || r.Seq <= p.Seq {
		t.Fatalf("resume: %+v", r)
	}
	wg.Wait()
	lr.finish(t)

	// Every event once, in order: the outputs without the two commands'
	// are a run's without them, sequence numbers mapped.
	var got []event.Out
	for _, o := range lr.rec.outs {
		switch {
		case o.Seq == p.Seq || o.Seq == r.Seq:
			continue
		case o.Seq > r.Seq:
			o.Seq -= 2
		case o.Seq > p.Seq:
			o.Seq--
		}
		got = append(got, o)
	}
	cfg.Matcher.HashKey = journalID(t, dir)
	want := direct(t, cfg, evs)
	if digestOf(got) != digestOf(want) || len(got) != len(want) {
		t.Fatalf("paused run: %d outputs, digest %s; without the pause %d, %s", len(got), digestOf(got), len(want), digestOf(want))
	}
	if got, want := digestOf(replayJournal(t, cfg, dir)), digestOf(lr.rec.outs); got != want {
		t.Fatalf("replay digest %s, live %s", got, want)
	}
}

// TestAdminQueryIdle: with the feed quiet the logic waits, and a query
// still gets an answer (the alert wakes it); the answer is the state after
// the last event.
func TestAdminQueryIdle(t *testing.T) {
	cfg := testConfig()
	cfg.Wait = nil
	evs := genFlow(t, 500, 9)
	lr := startLive(t, cfg)
	lr.src.feed(evs)
	waitFor(t, "500 events applied", func() bool { return lr.ctl.Stats().EventsApplied == 500 })
	name, ok := "", false
	for _, e := range evs {
		if e.Kind == event.KindSymbol {
			name, ok = event.UnpackName(e.Aux)
			break
		}
	}
	if !ok {
		t.Fatal("no symbol in the flow")
	}
	ans, err := lr.ctl.Query(context.Background(), admin.Query{Kind: admin.QueryBook, Symbol: name, Levels: 5})
	if err != nil {
		t.Fatal(err)
	}
	if ans.Seq != 500 || ans.Book == nil || ans.Book.Symbol != name || len(ans.Book.Bids)+len(ans.Book.Asks) == 0 {
		t.Fatalf("book answer %+v", ans)
	}
	if _, err := lr.ctl.Query(context.Background(), admin.Query{Kind: admin.QueryBook, Symbol: "NOPE"}); err == nil {
		t.Fatal("a book of an unknown symbol answered")
	}
	lr.finish(t)
}

// TestAdminShutdown: Shutdown during a quiet live feed stops the run
// without an error, with every event it took processed and journaled.
func TestAdminShutdown(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig()
	cfg.Journal = journalConfig(dir, journal.Batch)
	evs := genFlow(t, 800, 11)
	lr := startLive(t, cfg)
	lr.src.feed(evs)
	waitFor(t, "800 events applied", func() bool { return lr.ctl.Stats().EventsApplied == 800 })
	lr.ctl.Shutdown()
	<-lr.done
	if lr.err != nil {
		t.Fatalf("shutdown: %v", lr.err)
	}
	if n := len(readJournal(t, dir)); n != 800 || lr.sum.EventsIn != 800 {
		t.Fatalf("journal holds %d events, summary %d, want 800", n, lr.sum.EventsIn)
	}
	if _, err := lr.ctl.Submit(context.Background(), admin.Op{In: event.In{Kind: event.KindPause}}, nil); !errors.Is(err, admin.ErrNotRunning) {
		t.Fatalf("submit after the end: %v", err)
	}
}

// TestQueriesDoNotChangeOutputs: a goroutine hammering Stats and queries
// during a run changes nothing in what the run outputs.
func TestQueriesDoNotChangeOutputs(t *testing.T) {
	cfg := testConfig()
	cfg.InRing, cfg.OutRing, cfg.Batch = 256, 256, 32
	evs := genFlow(t, 20000, 13)
	ctl := NewControl()
	cfg.Control = ctl
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	var answered int
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			_ = ctl.Stats()
			if _, err := ctl.Query(context.Background(), admin.Query{Kind: admin.QueryGuards}); err == nil {
				answered++
			}
		}
	}()
	rec := &recorder{}
	cfg.Matcher.HashKey = 77
	_, err := Run(context.Background(), cfg, &sliceSource{evs: evs}, rec)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := digestOf(rec.outs), digestOf(direct(t, cfg, evs)); got != want {
		t.Fatalf("with queries %s, direct %s", got, want)
	}
	t.Logf("%d queries answered during the run", answered)
}

// TestRestartSkipsCommands: a restart whose feed starts at the journal's
// first event (ResumeSkip) skips the journaled feed events and the
// operator's commands, which were never in the feed, and goes on with the
// feed's new events: nothing lost, nothing twice.
func TestRestartSkipsCommands(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig()
	cfg.Journal = journalConfig(dir, journal.Batch)
	evs := genFlow(t, 3000, 21)
	lr := startLive(t, cfg)
	lr.src.feed(evs[:1000])
	waitFor(t, "1000 events in", func() bool { return lr.ctl.Stats().LastSeq == 1000 })
	submit(t, lr.ctl, event.In{Kind: event.KindKill, Account: evs[999].Account, Symbol: event.Any}, "kill")
	lr.src.feed(evs[1000:2000])
	waitFor(t, "2001 events in", func() bool { return lr.ctl.Stats().LastSeq == 2001 })
	submit(t, lr.ctl, event.In{Kind: event.KindClear, Account: evs[999].Account, Symbol: event.Any}, "clear")
	lr.finish(t)

	// The same feed again, now to its end.
	cfg2 := cfg
	rec := &recorder{}
	sum, err := Run(context.Background(), cfg2, &sliceSource{evs: evs}, rec)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Recovery == nil || sum.Recovery.ResumedFrom != 2003 || sum.EventsIn != 1000 {
		t.Fatalf("restart: recovery %+v, %d events in", sum.Recovery, sum.EventsIn)
	}
	j := readJournal(t, dir)
	if len(j) != 3002 {
		t.Fatalf("journal holds %d events, want 3002", len(j))
	}
	var feedOnly []event.In
	for _, in := range j {
		if in.Kind != event.KindKill && in.Kind != event.KindClear {
			feedOnly = append(feedOnly, in)
		}
	}
	for i := range evs {
		a, b := evs[i], feedOnly[i]
		a.Seq, b.Seq, a.TS, b.TS = 0, 0, 0, 0
		if a != b {
			t.Fatalf("journal's feed event %d is %+v, the feed's %+v", i, feedOnly[i], evs[i])
		}
	}
}

// TestAdminApproval: orders above the approval threshold are held (an
// output says so) until an operator approves (the order then trades) or
// denies them, or the approval timeout passes in event time; a held order
// never rests or trades before; a replay of the journal gives the same
// outputs.
func TestAdminApproval(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig()
	rc, err := risk.ParseConfig(strings.NewReader("[global]\napproval_timeout = 1s\n[account 7]\napprove_qty = 1000\n"), "approve.conf")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Risk = rc
	cfg.Journal = journalConfig(dir, journal.Batch)
	lr := startLive(t, cfg)
	const s = 1_000_000_000 // event time: seconds
	sym, _ := event.PackName("AAPL")
	lr.src.feed([]event.In{
		{Kind: event.KindSymbol, Symbol: 0, Aux: sym, TS: 10 * s},
		{Kind: event.KindNew, Symbol: 0, Account: 8, ID: 1, Side: event.Sell, Type: event.Limit, Price: 10000, Qty: 10000, TS: 10 * s},
		{Kind: event.KindNew, Symbol: 0, Account: 7, ID: 2, Side: event.Buy, Type: event.Limit, Price: 10000, Qty: 2000, TS: 10 * s}, // held: 3
		{Kind: event.KindNew, Symbol: 0, Account: 7, ID: 3, Side: event.Buy, Type: event.Limit, Price: 10000, Qty: 3000, TS: 10 * s}, // held: 4
		{Kind: event.KindNew, Symbol: 0, Account: 7, ID: 4, Side: event.Buy, Type: event.Limit, Price: 10000, Qty: 500, TS: 10 * s},  // below: trades
		{Kind: event.KindNew, Symbol: 0, Account: 7, ID: 5, Side: event.Buy, Type: event.Limit, Price: 10000, Qty: 4000, TS: 10 * s}, // held: 6, times out
	})
	waitFor(t, "6 events applied", func() bool { return lr.ctl.Stats().AppliedSeq == 6 })
	if n := lr.ctl.Stats().PendingN; n != 3 {
		t.Fatalf("%d orders held, want 3", n)
	}
	ans, err := lr.ctl.Query(context.Background(), admin.Query{Kind: admin.QueryPending})
	if err != nil || len(ans.Pending) != 3 || ans.Pending[0].PendingID != 3 || ans.Pending[0].Order.ID != 2 {
		t.Fatalf("pending: %+v, %v", ans.Pending, err)
	}
	if ans.Names[0] != "AAPL" {
		t.Fatalf("the answer names symbols %v, want 0: AAPL", ans.Names)
	}
	// Nothing of the held orders is in the book: only the 500 traded.
	book, err := lr.ctl.Query(context.Background(), admin.Query{Kind: admin.QueryBook, Symbol: "AAPL", Levels: 1})
	if err != nil || len(book.Book.Asks) != 1 || book.Book.Asks[0].Qty != 9500 || len(book.Book.Bids) != 0 {
		t.Fatalf("book while held: %+v, %v", book.Book, err)
	}
	ap := submit(t, lr.ctl, event.In{Kind: event.KindApprove, ID: 3}, "approve 3")
	traded := int64(0)
	for _, o := range ap.Outs {
		if o.Kind == event.OutTrade && o.ID == 2 {
			traded += o.Qty
		}
	}
	if traded != 2000 {
		t.Fatalf("approved order traded %d, want 2000: %+v", traded, ap.Outs)
	}
	dn := submit(t, lr.ctl, event.In{Kind: event.KindDeny, ID: 4}, "deny 4")
	if dn.Outs[0].Kind != event.OutRejected || dn.Outs[0].Reason != event.ReasonDenied || dn.Outs[0].ID != 3 {
		t.Fatalf("deny answered %+v", dn.Outs)
	}
	un := submit(t, lr.ctl, event.In{Kind: event.KindDeny, ID: 4}, "deny 4 again")
	if un.Outs[0].Kind != event.OutRejected || un.Outs[0].Reason != event.ReasonUnknownPending {
		t.Fatalf("second deny answered %+v", un.Outs)
	}
	// Event time passes the timeout of the last held order.
	lr.src.feed([]event.In{{Kind: event.KindCancel, Account: 8, ID: 1, TS: 12 * s}})
	lr.finish(t)
	timedOut := false
	for _, o := range lr.rec.outs {
		if o.Kind == event.OutRejected && o.ID == 5 && o.Reason == event.ReasonApprovalTimeout {
			timedOut = true
		}
		if (o.Kind == event.OutTrade || o.Kind == event.OutAccepted) && o.ID == 3 {
			t.Fatalf("the denied order went on: %+v", o)
		}
	}
	if !timedOut {
		t.Fatal("the last held order did not time out")
	}
	if got, want := digestOf(replayJournal(t, cfg, dir)), digestOf(lr.rec.outs); got != want {
		t.Fatalf("replay digest %s, live %s", got, want)
	}
}

// TestAdminSnapshot: a snapshot asked for over the control while the feed
// is quiet is taken at the last event applied and written; asked for again
// with nothing new applied, the same one is reported; without snapshots on,
// the answer says so.
func TestAdminSnapshot(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig()
	cfg.Journal = journalConfig(dir, journal.Batch)
	cfg.Journal.SnapshotEvery = 1 << 40 // only when asked, and at the end
	evs := genFlow(t, 1500, 17)
	lr := startLive(t, cfg)
	lr.src.feed(evs)
	waitFor(t, "1500 events applied", func() bool { return lr.ctl.Stats().AppliedSeq == 1500 })
	ctx := context.Background()
	info, err := lr.ctl.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.Seq != 1500 {
		t.Fatalf("snapshot at %d, want 1500", info.Seq)
	}
	if _, err := os.Stat(info.Path); err != nil {
		t.Fatalf("snapshot file: %v", err)
	}
	again, err := lr.ctl.Snapshot(ctx)
	if err != nil || again != info {
		t.Fatalf("second snapshot %+v, %v; want %+v", again, err, info)
	}
	lr.finish(t)

	cfg2 := testConfig()
	lr2 := startLive(t, cfg2)
	if _, err := lr2.ctl.Snapshot(ctx); err == nil || !strings.Contains(err.Error(), "snapshots are off") {
		t.Fatalf("snapshot without snapshots: %v", err)
	}
	lr2.finish(t)
}
