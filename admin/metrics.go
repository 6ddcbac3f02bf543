package admin

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/risk"
)

// The metrics endpoint serves the admin socket's counters in the Prometheus
// text exposition format, version 0.0.4, with no client library:
//
//	# HELP engine_events_in_total Events sequenced by ingest.
//	# TYPE engine_events_in_total counter
//	engine_events_in_total 1234567
//
// Every family has one HELP and one TYPE line and is written in a fixed
// order; counters end in _total; times are in seconds. The family names and
// labels below are an interface: dashboards and alerts name them.
//
//	engine_running                            gauge    1 while the engine takes events
//	engine_paused                             gauge    1 while an operator has paused the logic
//	engine_paused_since_seconds               gauge    Unix time of the pause (only when paused)
//	engine_start_time_seconds                 gauge    Unix time the run started
//	engine_events_in_total                    counter  sequenced by ingest
//	engine_events_journaled_total             counter  journaled
//	engine_events_applied_total               counter  applied by the logic
//	engine_events_out_total                   counter  output events the sink consumed
//	engine_malformed_total                    counter  feed records dead-lettered
//	engine_last_seq                           gauge    last sequence ingest assigned
//	engine_applied_seq                        gauge    last sequence the logic applied
//	engine_durable_seq                        gauge    the journal's durable sequence
//	engine_journal_info{durability,dir}       gauge    1, only with a journal
//	engine_ring_size_slots{ring}              gauge
//	engine_ring_used_slots{ring}              gauge    published, not released by the slowest consumer
//	engine_ring_lag_events{ring,consumer}     gauge
//	engine_ring_lag_seconds{ring,consumer}    gauge    event-time lag (Stats gives µs)
//	engine_logic_latency_seconds{quantile}    summary  since start, with _count (no _sum: not kept)
//	engine_logic_latency_max_seconds          gauge    since start
//	engine_logic_latency_interval_seconds{quantile}  summary  over the last interval, quantiles only
//	engine_logic_latency_interval_max_seconds gauge
//	engine_logic_latency_interval_events      gauge    samples in the last interval
//	engine_kill_trips_total                   counter  kill-switch trips, automatic and operator
//	engine_pending_approvals                  gauge    orders held for approval
//	engine_kill_switch{account,symbol}        gauge    1 latched, 0 not (from the guards)
//	engine_guard_state{kind,account,symbol,metric,window,state}  gauge  1 (the state is the label)
//	engine_guard_figure{kind,account,symbol,metric,window}       gauge  measured value, unit per metric
//	engine_guard_limit{kind,account,symbol,metric,window}        gauge  only when the guard has a limit
//
// Scope labels: account and symbol are decimal ids, "all" for event.Any;
// window is a Go duration ("1s", "0s" for none). A quantile with no sample
// is NaN, as client libraries write it. The guard families come from a
// QueryGuards answer and are left out when there is none.

// MetricsContentType is the Content-Type of the text exposition format,
// version 0.0.4.
const MetricsContentType = "text/plain; version=0.0.4; charset=utf-8"

// StatsSource is where the metrics endpoint and [Top] read the engine: the
// admin socket's client, or the engine in process through
// [EngineSource].
type StatsSource interface {
	Stats(ctx context.Context) (Stats, error)
	Query(ctx context.Context, q Query) (Answer, error)
}

// EngineSource returns e as a StatsSource.
func EngineSource(e Engine) StatsSource { return engineSource{e} }

type engineSource struct{ e Engine }

func (s engineSource) Stats(ctx context.Context) (Stats, error) {
	if err := ctx.Err(); err != nil {
		return Stats{}, err
	}
	return s.e.Stats(), nil
}

func (s engineSource) Query(ctx context.Context, q Query) (Answer, error) {
	return s.e.Query(ctx, q)
}

// quantiles are the label values of Percentiles' fields P50 to P9999, in
// order.
var quantiles = [...]string{"0.5", "0.9", "0.99", "0.999", "0.9999"}

// WriteMetrics writes st, and the guards of a QueryGuards answer when guards
// is not nil, to w in the Prometheus text exposition format. The output
// depends only on its arguments: families in a fixed order, rings in the
// order of st.Rings, guards sorted by kind, account, symbol, metric and
// window (of two guards with the same labels only the first is written).
func WriteMetrics(w io.Writer, st Stats, guards *Answer) error {
	var m promWriter

	m.family("engine_running", "gauge", "1 while the engine takes events, 0 once it is stopping or stopped.")
	m.intSample("engine_running", nil, b2i(st.Running))
	m.family("engine_paused", "gauge", "1 while an operator has paused the logic.")
	m.intSample("engine_paused", nil, b2i(st.Paused))
	if st.Paused {
		m.family("engine_paused_since_seconds", "gauge", "Unix time the logic was paused at.")
		m.floatSample("engine_paused_since_seconds", nil, nsToSeconds(st.PausedSince))
	}
	m.family("engine_start_time_seconds", "gauge", "Unix time the run started at.")
	m.floatSample("engine_start_time_seconds", nil, nsToSeconds(st.StartNS))

	for _, c := range [...]struct {
		name, help string
		v          int64
	}{
		{"engine_events_in_total", "Events sequenced by ingest.", st.EventsIn},
		{"engine_events_journaled_total", "Events journaled (the events sequenced, without a journal).", st.EventsJournal},
		{"engine_events_applied_total", "Events the logic applied.", st.EventsApplied},
		{"engine_events_out_total", "Output events the sink consumed.", st.EventsOut},
		{"engine_malformed_total", "Feed records dead-lettered as malformed.", st.Malformed},
	} {
		m.family(c.name, "counter", c.help)
		m.intSample(c.name, nil, c.v)
	}
	for _, g := range [...]struct {
		name, help string
		v          uint64
	}{
		{"engine_last_seq", "Last sequence ingest assigned.", st.LastSeq},
		{"engine_applied_seq", "Last sequence the logic applied.", st.AppliedSeq},
		{"engine_durable_seq", "The journal's durable sequence.", st.DurableSeq},
	} {
		m.family(g.name, "gauge", g.help)
		m.uintSample(g.name, nil, g.v)
	}
	if st.Journal != "" {
		m.family("engine_journal_info", "gauge", "The journal's directory and durability; always 1.")
		m.intSample("engine_journal_info", []label{{"durability", st.Durability}, {"dir", st.Journal}}, 1)
	}

	writeRings(&m, st.Rings)
	writeLatency(&m, "engine_logic_latency_seconds", "Latency of the logic per event, ingest stamp to answer, since start.", st.Latency, true)
	m.family("engine_logic_latency_max_seconds", "gauge", "Largest latency of the logic per event since start.")
	m.floatSample("engine_logic_latency_max_seconds", nil, latencySeconds(st.Latency, st.Latency.Max))
	writeLatency(&m, "engine_logic_latency_interval_seconds", "Latency of the logic per event over the last interval (about a second).", st.LatencyInterval, false)
	m.family("engine_logic_latency_interval_max_seconds", "gauge", "Largest latency of the logic per event over the last interval.")
	m.floatSample("engine_logic_latency_interval_max_seconds", nil, latencySeconds(st.LatencyInterval, st.LatencyInterval.Max))
	m.family("engine_logic_latency_interval_events", "gauge", "Events the last interval's latency quantiles are over.")
	m.intSample("engine_logic_latency_interval_events", nil, st.LatencyInterval.Count)

	m.family("engine_kill_trips_total", "counter", "Kill-switch trips, automatic and operator.")
	m.intSample("engine_kill_trips_total", nil, st.Trips)
	m.family("engine_pending_approvals", "gauge", "Orders held for an operator's approval.")
	m.intSample("engine_pending_approvals", nil, int64(st.PendingN))

	if guards != nil {
		writeGuards(&m, guards.Guards)
	}
	if m.err != nil {
		return m.err
	}
	_, err := w.Write(m.buf)
	return err
}

// writeRings writes the occupancy of each ring (the first entry's size and
// the largest used of its entries) and the lag of each consumer.
func writeRings(m *promWriter, rings []RingStats) {
	var names []string
	for _, r := range rings {
		if !slices.Contains(names, r.Ring) {
			names = append(names, r.Ring)
		}
	}
	m.family("engine_ring_size_slots", "gauge", "Slots of each ring.")
	for _, n := range names {
		i := slices.IndexFunc(rings, func(r RingStats) bool { return r.Ring == n })
		m.intSample("engine_ring_size_slots", []label{{"ring", n}}, int64(rings[i].Size))
	}
	m.family("engine_ring_used_slots", "gauge", "Slots published and not yet released by the ring's slowest consumer.")
	for _, n := range names {
		used := 0
		for _, r := range rings {
			if r.Ring == n {
				used = max(used, r.Used)
			}
		}
		m.intSample("engine_ring_used_slots", []label{{"ring", n}}, int64(used))
	}
	m.family("engine_ring_lag_events", "gauge", "Events a ring's consumer is behind its writer.")
	for _, r := range rings {
		m.intSample("engine_ring_lag_events", []label{{"ring", r.Ring}, {"consumer", r.Consumer}}, r.LagN)
	}
	m.family("engine_ring_lag_seconds", "gauge", "Event time between a ring writer's newest event and its consumer's.")
	for _, r := range rings {
		m.floatSample("engine_ring_lag_seconds", []label{{"ring", r.Ring}, {"consumer", r.Consumer}}, float64(r.LagUS)/1e6)
	}
}

// writeLatency writes p as a summary: its quantiles and, when withCount, its
// count (a summary's _count is a counter, so only the since-start one has
// it).
func writeLatency(m *promWriter, name, help string, p Percentiles, withCount bool) {
	m.family(name, "summary", help)
	for i, v := range [...]int64{p.P50, p.P90, p.P99, p.P999, p.P9999} {
		m.floatSample(name, []label{{"quantile", quantiles[i]}}, latencySeconds(p, v))
	}
	if withCount {
		m.intSample(name+"_count", nil, p.Count)
	}
}

// writeGuards writes the guard families, guards sorted by their labels.
func writeGuards(m *promWriter, guards []risk.GuardState) {
	gs := slices.Clone(guards)
	slices.SortStableFunc(gs, compareGuards)
	gs = slices.CompactFunc(gs, func(a, b risk.GuardState) bool { return compareGuards(a, b) == 0 })

	m.family("engine_kill_switch", "gauge", "1 while the kill switch of a scope is latched.")
	for _, g := range gs {
		if g.Kind == "kill" {
			m.intSample("engine_kill_switch", []label{{"account", scopeLabel(g.Account)}, {"symbol", scopeLabel(g.Symbol)}}, b2i(g.State == "tripped"))
		}
	}
	m.family("engine_guard_state", "gauge", "Each kill switch, breaker and detector of the guard, with its state as the label state; always 1.")
	for _, g := range gs {
		m.intSample("engine_guard_state", append(guardLabels(g), label{"state", g.State}), 1)
	}
	m.family("engine_guard_figure", "gauge", "What each guard measures now, in the unit its metric label names.")
	for _, g := range gs {
		if g.Metric != "" {
			m.intSample("engine_guard_figure", guardLabels(g), g.Figure)
		}
	}
	m.family("engine_guard_limit", "gauge", "What each guard compares its figure with, in the unit its metric label names.")
	for _, g := range gs {
		if g.Metric != "" && g.Limit != 0 {
			m.intSample("engine_guard_limit", guardLabels(g), g.Limit)
		}
	}
}

func compareGuards(a, b risk.GuardState) int {
	if c := strings.Compare(a.Kind, b.Kind); c != 0 {
		return c
	}
	if a.Account != b.Account {
		return cmpU32(a.Account, b.Account)
	}
	if a.Symbol != b.Symbol {
		return cmpU32(a.Symbol, b.Symbol)
	}
	if c := strings.Compare(a.Metric, b.Metric); c != 0 {
		return c
	}
	switch {
	case a.Window < b.Window:
		return -1
	case a.Window > b.Window:
		return 1
	}
	return 0
}

func cmpU32(a, b uint32) int {
	if a < b {
		return -1
	}
	return 1
}

func guardLabels(g risk.GuardState) []label {
	return []label{
		{"kind", g.Kind},
		{"account", scopeLabel(g.Account)},
		{"symbol", scopeLabel(g.Symbol)},
		{"metric", g.Metric},
		{"window", time.Duration(g.Window).String()},
	}
}

// scopeLabel is the label value of an account or symbol id: its decimal
// form, "all" for event.Any.
func scopeLabel(id uint32) string {
	if id == event.Any {
		return "all"
	}
	return strconv.FormatUint(uint64(id), 10)
}

// latencySeconds is v ns in seconds, NaN when p has no sample.
func latencySeconds(p Percentiles, v int64) float64 {
	if p.Count == 0 {
		return math.NaN()
	}
	return nsToSeconds(v)
}

func nsToSeconds(ns int64) float64 { return float64(ns) / 1e9 }

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

type label struct{ name, value string }

// promWriter builds the exposition text in buf.
type promWriter struct {
	buf  []byte
	seen []string // families written, to refuse a second HELP/TYPE
	err  error
}

func (m *promWriter) family(name, typ, help string) {
	if slices.Contains(m.seen, name) {
		if m.err == nil {
			m.err = fmt.Errorf("admin: metric family %s written twice", name)
		}
		return
	}
	m.seen = append(m.seen, name)
	m.buf = append(m.buf, "# HELP "...)
	m.buf = append(m.buf, name...)
	m.buf = append(m.buf, ' ')
	m.buf = appendEscaped(m.buf, help, false)
	m.buf = append(m.buf, "\n# TYPE "...)
	m.buf = append(m.buf, name...)
	m.buf = append(m.buf, ' ')
	m.buf = append(m.buf, typ...)
	m.buf = append(m.buf, '\n')
}

func (m *promWriter) series(name string, labels []label) {
	m.buf = append(m.buf, name...)
	if len(labels) > 0 {
		m.buf = append(m.buf, '{')
		for i, l := range labels {
			if i > 0 {
				m.buf = append(m.buf, ',')
			}
			m.buf = append(m.buf, l.name...)
			m.buf = append(m.buf, `="`...)
			m.buf = appendEscaped(m.buf, l.value, true)
			m.buf = append(m.buf, '"')
		}
		m.buf = append(m.buf, '}')
	}
	m.buf = append(m.buf, ' ')
}

func (m *promWriter) intSample(name string, labels []label, v int64) {
	m.series(name, labels)
	m.buf = strconv.AppendInt(m.buf, v, 10)
	m.buf = append(m.buf, '\n')
}

func (m *promWriter) uintSample(name string, labels []label, v uint64) {
	m.series(name, labels)
	m.buf = strconv.AppendUint(m.buf, v, 10)
	m.buf = append(m.buf, '\n')
}

func (m *promWriter) floatSample(name string, labels []label, v float64) {
	m.series(name, labels)
	switch {
	case math.IsNaN(v):
		m.buf = append(m.buf, "NaN"...)
	case math.IsInf(v, 1):
		m.buf = append(m.buf, "+Inf"...)
	case math.IsInf(v, -1):
		m.buf = append(m.buf, "-Inf"...)
	default:
		m.buf = strconv.AppendFloat(m.buf, v, 'g', -1, 64)
	}
	m.buf = append(m.buf, '\n')
}

// appendEscaped appends s escaped as the text format asks: in HELP text a
// backslash and a line feed, in a label value also a double quote.
func appendEscaped(b []byte, s string, quote bool) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			b = append(b, `\\`...)
		case c == '\n':
			b = append(b, `\n`...)
		case c == '"' && quote:
			b = append(b, `\"`...)
		default:
			b = append(b, c)
		}
	}
	return b
}

// metricsQueryTimeout bounds how long a scrape waits for the guards' answer.
const metricsQueryTimeout = 2 * time.Second

// MetricsHandler returns a handler that serves GET (and HEAD) /metrics from
// src: 404 for any other path, 405 for another method, 503 when src cannot
// give its stats. When only the guards' query fails the page is served
// without the guard families.
func MetricsHandler(src StatsSource) http.Handler {
	return metricsHandler{src: src}
}

type metricsHandler struct {
	src StatsSource
	log *slog.Logger
}

func (h metricsHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/metrics" {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), metricsQueryTimeout)
	defer cancel()
	st, err := h.src.Stats(ctx)
	if err != nil {
		h.warn("metrics: stats", err)
		http.Error(w, "engine stats: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	var guards *Answer
	if a, err := h.src.Query(ctx, Query{Kind: QueryGuards}); err != nil {
		h.warn("metrics: guards", err)
	} else {
		guards = &a
	}
	var buf bytes.Buffer
	if err := WriteMetrics(&buf, st, guards); err != nil {
		h.warn("metrics: write", err)
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", MetricsContentType)
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.Write(buf.Bytes())
}

func (h metricsHandler) warn(msg string, err error) {
	if h.log != nil {
		h.log.Warn(msg, "err", err)
	}
}

// MetricsServer is the HTTP server of the metrics endpoint, started by
// [ServeMetrics].
type MetricsServer struct {
	srv   *http.Server
	ln    net.Listener
	done  chan error
	close sync.Once
	err   error // of Close
}

// Timeouts of the metrics server: a scraper that is slow to send its request
// or to read the answer is cut off.
const (
	metricsReadTimeout  = 5 * time.Second
	metricsWriteTimeout = 10 * time.Second
	metricsIdleTimeout  = 60 * time.Second
)

// ServeMetrics listens on addr (host:port; port 0 picks one, see
// [MetricsServer.Addr]) and serves [MetricsHandler] of src until Close.
// Listening errors are returned; errors while serving are logged to log
// (nil: not logged).
func ServeMetrics(addr string, src StatsSource, log *slog.Logger) (*MetricsServer, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("admin: metrics: %w", err)
	}
	s := &MetricsServer{
		srv: &http.Server{
			Handler:           metricsHandler{src: src, log: log},
			ReadHeaderTimeout: metricsReadTimeout,
			ReadTimeout:       metricsReadTimeout,
			WriteTimeout:      metricsWriteTimeout,
			IdleTimeout:       metricsIdleTimeout,
			ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		},
		ln:   ln,
		done: make(chan error, 1),
	}
	go func() { s.done <- s.srv.Serve(ln) }()
	log.Info("metrics: serving", "addr", ln.Addr().String())
	return s, nil
}

// Addr returns the address the server listens on.
func (s *MetricsServer) Addr() net.Addr { return s.ln.Addr() }

// Close stops the server: it closes the listener and every connection, and
// waits for the server's goroutine to end.
// A second Close returns what the first did.
func (s *MetricsServer) Close() error {
	s.close.Do(func() {
		s.err = s.srv.Close()
		if serr := <-s.done; !errors.Is(serr, http.ErrServerClosed) && s.err == nil {
			s.err = serr
		}
	})
	return s.err
}
