// Package wire owns the engine's external formats: the feeds it reads (a
// native binary feed, a CSV feed for people, an importer for LOBSTER message
// files) and the output streams it writes (CSV, JSON lines, native binary).
//
// Everything that parses outside bytes returns errors with context: a
// malformed record is a [*DecodeError] naming its line or byte offset, after
// which the decoder carries on with the next record; any other error is fatal.
// A feed whose first [MaxLeadingMalformed] records (lines of a text format,
// frames of a binary one) are all malformed, or that ends with only
// malformed records, is not read as hundreds of dead letters: in place of
// the 100th DecodeError (or of io.EOF) Next returns a fatal error wrapping
// [ErrNotThisFormat], "no valid record in the first 100 lines: is this the
// right --format?". Once a record was valid, malformed ones stay
// DecodeErrors.
//
// # Symbols and accounts
//
// Symbol names are case-sensitive ("AAPL" and "aapl" would be two names), and
// a name that differs from a known one only by case is refused as malformed
// ([ErrSymbolCase]: symbol "aapl" differs from known "AAPL" only by case):
// such a pair is far more often a typo than two instruments. Only a new order
// and a symbol definition define a symbol; any other record naming an unknown
// one ([ErrUnknownSymbol]) is malformed, so that an operator's typo in a kill,
// halt or mass cancel is dead-lettered instead of acting on a new, empty
// symbol while the intended one keeps trading. Likewise an account scope
// (mass cancel, kill, clear, setlimit) names an account a new order has
// named, or all ('*'), else [ErrUnknownAccount]; a decoder remembers at most
// [MaxAccounts] accounts ([ErrTooManyAccounts]) and [MaxSymbols] symbols.
//
// A run that continues a journal seeds its decoder ([Seeder]) with the symbol
// table the journal defined and the accounts it knows: known names keep their
// ids, new ones continue from the next id. Output writers are seeded with the
// symbol names ([OutSeeder]) and opened to append ([NewOutCSVAppend],
// [NewOutNativeAppend]; JSON lines have no header) so that an output file
// continued after a restart is byte for byte that of an uninterrupted run.
//
// # Native feed
//
// A native feed is a 16-byte stream header followed by fixed-size frames. All
// integers are little-endian.
//
//	 0                               8         10         12                16
//	+-------------------------------+----------+----------+-----------------+
//	| magic "TEFEED\r\n"            | version  | frameSize| reserved, zero  |
//	|                               | u16 = 1  | u16 = 64 |                 |
//	+-------------------------------+----------+----------+-----------------+
//	16                                                                     80
//	+-----------------------------------------------------------------------+
//	| frame 0: the canonical 64-byte encoding of an event.In (see package    |
//	| event): byte 0 kind, byte 1 encoding version, ...; seq (bytes 16:24)   |
//	| is written as zero and ignored on read, the engine assigns Seq         |
//	+-----------------------------------------------------------------------+
//	| frame 1 ...                                                           |
//
// The magic ends in "\r\n" so that a file mangled by a text-mode transfer is
// told apart from a feed. A frame that does not decode (bad kind, version or
// reserved byte) is a DecodeError with its byte offset, and the decoder goes
// on with the next frame: frames are fixed-size, so one bad frame never hides
// the good ones after it. A stream that ends inside a frame reports a
// DecodeError for the truncated frame (offset and bytes present), then io.EOF.
//
// A feed's symbol ids are its own: a symbol frame (kind symbol, id in the
// symbol field, packed name in aux) maps its id to the decoder's id for the
// name, numbered densely from 0 in order of definition (a feed numbered so
// keeps its ids); a frame naming an id no symbol frame defined, or a symbol
// frame giving a defined id another name, is malformed (see
// [NativeDecoder]). The kinds that name no symbol (cancel, replace, pause,
// unpause, approve, deny) pass their symbol field through unchecked.
//
// # Native output
//
// The native output stream has the same 16-byte header with the magic
// "TEOUTS\r\n", followed by 64-byte frames, each the canonical encoding of an
// event.Out (seq kept: it is the sequence of the causing input).
//
// # Versioning
//
// The header's version is the version of the stream layout (header and
// framing); the version byte inside each frame is the event encoding's (see
// event.Version). A decoder accepts exactly the stream versions it knows (today
// 1) and rejects others with [ErrVersion] before reading any frame; the frame
// size is written out so that a reader can tell a stream it cannot read from a
// corrupt one. Any change to the header or the framing bumps the stream
// version; the reserved bytes must be zero in version 1 and may only be given
// a meaning by a new version. Event encodings change only through
// event.Version, which a decoder accepts up to its own.
//
// # CSV feed
//
// One event per line, fields separated by commas; spaces and tabs around a
// field are ignored, keywords are case-insensitive, blank lines and lines
// whose first non-blank byte is '#' are ignored, and a line may end in "\r\n".
//
//	TS,new,SYMBOL,ACCOUNT,ID,SIDE,TYPE,PRICE,QTY[,STP[,CLORDID]]
//	TS,cancel,ACCOUNT,ID
//	TS,replace,ACCOUNT,ID,PRICE,QTY
//	TS,masscancel,ACCOUNT|*,SYMBOL|*
//	TS,halt,SYMBOL
//	TS,resume,SYMBOL
//	TS,symbol,SYMBOL
//	TS,kill,ACCOUNT|*,SYMBOL|*[,cancel]
//	TS,clear,ACCOUNT|*,SYMBOL|*
//	TS,setlimit,ACCOUNT|*,SYMBOL|*,LIMIT,VALUE
//	TS,parent,ACCOUNT,SYMBOL,SIDE,QTY[,ID]
//	TS,pause
//	TS,unpause
//	TS,approve,PENDING
//	TS,deny,PENDING
//
// TS is an integer number of nanoseconds, or empty for "not given" (TS 0).
// SIDE is buy, sell, b or s; TYPE is limit, ioc, fok, market or post; STP is
// none, cancel-resting, cancel-incoming or cancel-both (or cr, ci, cb), empty
// for none. PRICE and QTY are signed integers (ticks and lots; the engine, not
// the decoder, judges their range). ACCOUNT is a uint32 other than 4294967295
// (which is event.Any, written '*' in a mass cancel and in the risk guard's
// kill, clear and setlimit), ID and CLORDID are uint64. The risk guard's
// commands: kill (with cancel, or 1, it also cancels the scope's resting
// orders: Arg event.KillCancel), clear, setlimit (LIMIT is the guard's limit
// id, a uint16, carried in Arg; VALUE a signed integer, in Qty) and parent (a
// parent instruction; ID optional). The operator's pause stops the logic
// after its line until an unpause; approve and deny release or refuse the
// order the risk guard holds for approval whose pending id is PENDING (a
// uint64, the other field of the held output; carried in ID). A SYMBOL is a
// name that event.PackName accepts (1 to 8 bytes of letters, digits and
// . - _ / ^), case-sensitive; one that differs from a known name only by
// case is malformed. Only new and symbol lines define a symbol: the decoder
// numbers symbols densely from 0 in order of definition (continuing a seed,
// see [Seeder]) and emits a KindSymbol event before the new or symbol line's;
// every other line naming an unknown symbol is malformed. The ACCOUNT of
// masscancel, kill, clear and setlimit is '*' or an account a new line named
// (or a seed gave), else the line is malformed; cancel, replace and parent
// may name any account. At most [MaxAccounts] accounts are known. Lines are
// at most [MaxLineLen] bytes.
//
// # LOBSTER
//
// [LOBSTERDecoder] maps a LOBSTER message file (Time,Type,OrderID,Size,Price,
// Direction[,participant]) to input events; see its documentation for the
// mapping and [LOBSTERStats] for what it counts.
//
// # Output CSV and JSON
//
// [OutCSV] writes a header line and one line per event with the columns
// seq,ts,kind,symbol,account,id,side,price,qty,other,other_account,reason.
// [OutJSON] writes one JSON object per line with only the fields that mean
// something for the event's kind. Both name a symbol once an OutSymbol event
// or a seed ([OutSeeder]) has named it. [NewOutCSVAppend] continues a stream
// without a second header line.
package wire
