// Package itch decodes and encodes NASDAQ TotalView-ITCH 5.0 market data
// messages as NASDAQ publishes them in its BinaryFILE historical files.
// [Decode] and [Append] convert one message body to and from a flat
// [Message] value; [Reader] and [Writer] read and write a stream of
// length-prefixed frames. The package owns the ITCH wire format only:
// turning messages into the engine's events is its callers' business.
//
// # Framing
//
// A BinaryFILE stream is a sequence of frames, each a 2-byte big-endian
// length n followed by an n-byte message body; there is no stream header,
// checksum or padding, and the length prefix is the only way to find the
// next frame.
//
//	 0        2                              2+n       4+n
//	+--------+------------------------------+---------+---------------
//	| n u16  | body: n bytes                | n' u16  | body: n' bytes ...
//	+--------+------------------------------+---------+---------------
//
// Every body starts with the same 11-byte header, followed by the fields of
// its type at fixed offsets. A type has exactly one body length, so a body
// of any other length is malformed ([ErrSize]), as is an empty frame; an
// unknown first byte is [ErrUnknownType]. A stream that ends inside a frame
// is torn ([ErrTruncated]), told apart from a bad frame in the middle, which
// the [Reader] skips, going on with the next.
//
//	 0      1               3               5                              11
//	+------+---------------+---------------+-------------------------------+
//	| type | stock locate  | tracking      | timestamp: nanoseconds since  |
//	| byte | u16           | number u16    | midnight, u48                 |
//	+------+---------------+---------------+-------------------------------+
//
// An add order ('A', 36 bytes) for instance continues:
//
//	11                  19     20            24                 32          36
//	+-------------------+------+-------------+------------------+-----------+
//	| order ref u64     | side | shares u32  | stock alpha 8    | price u32 |
//	|                   | B/S  |             | "AAPL    "       | 4 dec.    |
//	+-------------------+------+-------------+------------------+-----------+
//
// All integers are unsigned and big-endian. Alphas are ASCII, left-justified
// and padded on the right with spaces; one-byte alphas are kept as bytes.
// Prices are u32 with four implied decimals (123456 is $12.3456), except the
// MWCB decline levels, u64 with eight implied decimals. [Decode] checks the
// type and the length, nothing else, and keeps every byte, so that [Append]
// gives back the body it decoded, byte for byte.
//
// # Message types
//
// The body of each type, after the header, as fields of [Message] with their
// widths in bytes ("a" an alpha, "u" an unsigned integer); the length
// includes the header. The specification's section is beside each type's
// constant.
//
//	type len  fields after the header
//	S    12   EventCode a1
//	R    39   Stock a8, MarketCategory a1, FinancialStatusIndicator a1,
//	          RoundLotSize u4, RoundLotsOnly a1, IssueClassification a1,
//	          IssueSubType a2, Authenticity a1, ShortSaleThresholdIndicator a1,
//	          IPOFlag a1, LULDReferencePriceTier a1, ETPFlag a1,
//	          ETPLeverageFactor u4, InverseIndicator a1
//	H    25   Stock a8, TradingState a1, Reserved a1, Reason a4
//	Y    20   Stock a8, RegSHOAction a1
//	L    26   MPID a4, Stock a8, PrimaryMarketMaker a1, MarketMakerMode a1,
//	          MarketParticipantState a1
//	V    35   Level1 u8, Level2 u8, Level3 u8 (eight implied decimals)
//	W    12   BreachedLevel a1
//	K    28   Stock a8, IPOQuotationReleaseTime u4, IPOQuotationReleaseQualifier a1,
//	          IPOPrice u4
//	J    35   Stock a8, AuctionCollarReferencePrice u4, UpperAuctionCollarPrice u4,
//	          LowerAuctionCollarPrice u4, AuctionCollarExtension u4
//	h    21   Stock a8, MarketCode a1, OperationalHaltAction a1
//	A    36   OrderRef u8, Side a1, Shares u4, Stock a8, Price u4
//	F    40   OrderRef u8, Side a1, Shares u4, Stock a8, Price u4, Attribution a4
//	E    31   OrderRef u8, ExecutedShares u4, MatchNumber u8
//	C    36   OrderRef u8, ExecutedShares u4, MatchNumber u8, Printable a1,
//	          ExecutionPrice u4
//	X    23   OrderRef u8, CanceledShares u4
//	D    19   OrderRef u8
//	U    35   OrderRef u8 (the original order), NewOrderRef u8, Shares u4, Price u4
//	P    44   OrderRef u8, Side a1, Shares u4, Stock a8, Price u4, MatchNumber u8
//	Q    40   Shares u8, Stock a8, CrossPrice u4, MatchNumber u8, CrossType a1
//	B    19   MatchNumber u8
//	I    50   PairedShares u8, ImbalanceShares u8, ImbalanceDirection a1, Stock a8,
//	          FarPrice u4, NearPrice u4, CurrentReferencePrice u4, CrossType a1,
//	          PriceVariationIndicator a1
//	N    20   Stock a8, InterestFlag a1
//	O    48   Stock a8, OpenEligibilityStatus a1, MinimumAllowablePrice u4,
//	          MaximumAllowablePrice u4, NearExecutionPrice u4, NearExecutionTime u8,
//	          LowerPriceRangeCollar u4, UpperPriceRangeCollar u4
//
// Shares is four bytes wide in A, F, U and P but eight in a cross trade (Q);
// [Message.Shares] holds either.
package itch
