// Package admin owns the engine's operator surfaces: the admin socket (peer
// credentials and roles, the line protocol, handing commands to ingest,
// reading the views the logic publishes), its client (`engine ctl`, with
// [Interactive] and the live `ctl top` view), and the /metrics endpoint.
//
// The engine side is the [Engine] contract (engine.go), which package
// pipeline implements; this package never touches the logic's state.
//
// # The socket
//
// [Listen] creates a Unix domain socket at the path given, in a directory it
// creates with mode 0700 when missing (an existing one is left as it is).
// The socket file gets mode 0600 (socket_mode below) before the first
// connection is accepted. A socket file nobody listens on (connecting is
// refused: a dead engine's) is replaced; one somebody listens on is an
// error ([ErrListening]): another engine runs there.
//
// Each connection's peer uid, gid and pid come from SO_PEERCRED and map to
// a [Role]:
//
//	view     status, stats, guards, limits, pending, book, orders, help, quit
//	operate  also kill, pause, deny
//	admin    also clear, resume, approve, set limit, snapshot, shutdown
//
// The engine's own uid is always admin. Any other peer, root included, has
// the role its uid is given, else the role its gid (the peer's effective
// gid; supplementary groups are not seen) is given, else none: it is told
// "denied: uid N has no role" and disconnected. A command beyond the
// peer's role is answered "denied: uid N has role view, kill needs
// operate" and the connection goes on. Every start, command (with its
// peer) and refusal is logged with log/slog (keys uid, gid, pid, role, cmd,
// seq, reason).
//
// At most max_connections connections are served at once (default 16); one
// more is told "error: too many connections (at most 16)" and closed. Each
// connection has its own goroutine; an answer the client does not read
// within the write timeout drops the connection, so a stuck client never
// holds up the engine or another client. Every Engine call has a timeout.
// A connection is read with blocking poll(2) calls on a thread of its own,
// not through Go's network poller, which the engine's busy stages leave to
// sysmon (see pollReader).
//
// # The [admin] section
//
// Roles come from the [admin] section of the risk configuration file (the
// risk parser skips it; [ParseRoles] reads only it). Its lines, with #
// comments as in the rest of the file:
//
//	[admin]
//	uid 1001 = view          # a user by numeric uid
//	uid 1002 = none          # no role, even if its group has one
//	gid 27 = operate         # a group by numeric gid
//	max_connections = 16     # 1 to 1024
//	socket_mode = 0660       # octal; 0600 (default), 0660 or 0666
//
// Roles are view, operate, admin and none. A uid or gid may be listed once.
// Without the section, or without the file, only the engine's uid may
// connect. With the default socket mode 0600 the kernel lets only the
// engine's user (and root) connect at all: to let another user or group in,
// give it a role, set socket_mode, and make the socket's directory
// traversable by it (create the directory beforehand; the socket file gets
// the engine's group, or the directory's when the directory is setgid).
//
// # The protocol
//
// In the spirit of HAProxy's runtime API: one command per line (at most
// [MaxLine] bytes, UTF-8, no control characters), answered in plain text
// ending with an empty line. A line that begins with "json " is answered
// with the same content as one JSON object on one line, again followed by
// an empty line. Error answers are one line, "error: REASON" or
// "denied: REASON"; in JSON {"error":"REASON","denied":false} (with "seq"
// and "reason" when the engine rejected a command it had sequenced). A
// malformed or over-long line gets an error answer and the connection stays
// usable.
//
// Commands (SYMBOL is a symbol name, A an account number, ID a pending id):
//
//	help                         the commands the caller's role may use
//	quit                         close the connection (answer: the empty line)
//	status                       running, paused since when, events waiting, journal
//	stats                        events in/journaled/applied/out with rates over the
//	                             last second and since start, rings (occupancy, lag in
//	                             events and µs per consumer), latency percentiles
//	guards                       every kill switch, breaker and detector
//	limits                       the risk limits in force
//	pending                      orders held for approval
//	book SYMBOL [LEVELS]         depth, 10 levels a side unless told (at most 1000)
//	orders A                     an account's open orders and risk state
//	kill all|account A|symbol S|account A symbol S [cancel] [REASON...]
//	pause
//	deny ID
//	clear all|account A|symbol S|account A symbol S
//	resume
//	approve ID
//	set limit KEY[/W] [account A] [symbol S] [global] VALUE
//	snapshot
//	shutdown
//
// For set limit, KEY is a risk configuration key (risk.LimitByKey); a
// windowed limit names its window W from 0 as [risk.Limit.String] writes it
// (max_execs/1). Without account, symbol or global it sets the default of
// every account (or symbol, for a symbol-only limit); global sets the
// engine-wide value. VALUE is a number in the key's unit (whole dollars for
// _usd keys), a duration with a unit for durations (250ms), yes or no for
// switches, or off for 0.
//
// The commands that change the engine's behaviour (kill, clear, pause,
// resume, approve, deny, set limit) go to Engine.Submit as an [Op] with the
// peer and the line, are journaled and take effect in sequence. Their
// answer names the sequence and the effect, or the rejection:
//
//	kill account 7 cancel: seq 912345, kill switch tripped, 120 orders cancelled
//	error: clear symbol FOO: seq 912346 rejected: unknown_symbol
//
// # JSON answers
//
//	help      {"role":"operate","commands":[{"command","usage","role","summary"}...]}
//	status    {"status":{"running","start_ns","now_ns","paused","paused_since",
//	          "paused_at","last_seq","applied_seq","waiting","journal","durability",
//	          "durable_seq","trips","pending_n"}}
//	stats     {"stats":{...the json of [Stats]...},"rates":{...the json of [Rates]...}}
//	commands  {"command":"kill account 7 cancel","seq":912345,"n_out":243,
//	          "effect":"kill switch tripped, 120 orders cancelled","cancelled":120}
//	snapshot  {"seq":N,"path":"..."}
//	shutdown  {"shutdown":true}
//	book      {"seq":N,"book":{"symbol","symbol_id","halted","bids":[{"price","qty","orders"}],"asks":[...]}}
//	orders    {"seq":N,"account_id":7,"account":{"id","open_orders","killed","killed_by",
//	          "parents","breaker","credit","credit_usd","pnl","pnl_usd"} or null,
//	          "orders":[{"id","account","symbol","symbol_id","side","type","stp","price","qty"}]}
//	guards    {"seq":N,"guards":[{"kind","account","symbol","symbol_id","metric",
//	          "window_ns","state","figure","limit","reason"}]}
//	limits    {"seq":N,"limits":[{"key","id","account","symbol","symbol_id","global","value"}]}
//	pending   {"seq":N,"pending":[{"pending_id","reason","since_ns","deadline_ns",
//	          "order":{"seq","ts","id","account","symbol","symbol_id","side","type",
//	          "stp","price","qty","clordid"}}]}
//	quit      {}
//
// Sides, order types, stp modes, reasons and breaker states are their
// names. A scope's account or symbol is left out when it is every account
// or symbol. A symbol's name is given when the server knows it: the views
// carry ids, and the server learns the names of the symbols commands name.
//
// # The client
//
// [Dial] connects; [Client.Do] sends a line and returns its answer;
// [Client.Stats] and [Client.Query] use the json variants and decode them,
// so that a [Client] is a [StatsSource] for [Top] and the metrics handler.
package admin
