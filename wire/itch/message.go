package itch

// Message types: the first byte of every body. Part of the wire format.
const (
	TypeSystemEvent                     byte = 'S' // 1.1 System Event
	TypeStockDirectory                  byte = 'R' // 1.2.1 Stock Directory
	TypeStockTradingAction              byte = 'H' // 1.2.2 Stock Trading Action
	TypeRegSHORestriction               byte = 'Y' // 1.2.3 Reg SHO Short Sale Price Test Restricted Indicator
	TypeMarketParticipantPosition       byte = 'L' // 1.2.4 Market Participant Position
	TypeMWCBDeclineLevel                byte = 'V' // 1.2.5.1 MWCB Decline Level
	TypeMWCBStatus                      byte = 'W' // 1.2.5.2 MWCB Status
	TypeIPOQuotingPeriodUpdate          byte = 'K' // 1.2.6 IPO Quoting Period Update
	TypeLULDAuctionCollar               byte = 'J' // 1.2.7 LULD Auction Collar
	TypeOperationalHalt                 byte = 'h' // 1.2.8 Operational Halt
	TypeAddOrder                        byte = 'A' // 1.3.1 Add Order, no MPID attribution
	TypeAddOrderMPID                    byte = 'F' // 1.3.2 Add Order with MPID attribution
	TypeOrderExecuted                   byte = 'E' // 1.4.1 Order Executed
	TypeOrderExecutedWithPrice          byte = 'C' // 1.4.2 Order Executed With Price
	TypeOrderCancel                     byte = 'X' // 1.4.3 Order Cancel
	TypeOrderDelete                     byte = 'D' // 1.4.4 Order Delete
	TypeOrderReplace                    byte = 'U' // 1.4.5 Order Replace
	TypeTrade                           byte = 'P' // 1.5.1 Trade (non-cross)
	TypeCrossTrade                      byte = 'Q' // 1.5.2 Cross Trade
	TypeBrokenTrade                     byte = 'B' // 1.5.3 Broken Trade
	TypeNetOrderImbalanceIndicator      byte = 'I' // 1.6 Net Order Imbalance Indicator (NOII)
	TypeRetailPriceImprovementIndicator byte = 'N' // 1.7 Retail Price Improvement Indicator (RPII)
	TypeDirectListingCapitalRaise       byte = 'O' // 1.8 Direct Listing with Capital Raise Price Discovery
)

// Body lengths in bytes, type byte included, length prefix excluded: every
// message of a type has exactly its length. Part of the wire format.
const (
	LenSystemEvent                     = 12
	LenStockDirectory                  = 39
	LenStockTradingAction              = 25
	LenRegSHORestriction               = 20
	LenMarketParticipantPosition       = 26
	LenMWCBDeclineLevel                = 35
	LenMWCBStatus                      = 12
	LenIPOQuotingPeriodUpdate          = 28
	LenLULDAuctionCollar               = 35
	LenOperationalHalt                 = 21
	LenAddOrder                        = 36
	LenAddOrderMPID                    = 40
	LenOrderExecuted                   = 31
	LenOrderExecutedWithPrice          = 36
	LenOrderCancel                     = 23
	LenOrderDelete                     = 19
	LenOrderReplace                    = 35
	LenTrade                           = 44
	LenCrossTrade                      = 40
	LenBrokenTrade                     = 19
	LenNetOrderImbalanceIndicator      = 50
	LenRetailPriceImprovementIndicator = 20
	LenDirectListingCapitalRaise       = 48
)

// Framing constants. Part of the wire format.
const (
	// PrefixLen is the length of a frame's big-endian length prefix.
	PrefixLen = 2
	// HeaderLen is the length of the header every body starts with: type,
	// stock locate, tracking number and timestamp.
	HeaderLen = 11
	// MaxBodyLen is the longest body of a known type (the NOII).
	MaxBodyLen = LenNetOrderImbalanceIndicator
	// MaxFrameBody is the longest body a length prefix can announce.
	MaxFrameBody = 1<<16 - 1
)

// bodyLen maps a message type to its body length; 0 for an unknown type.
var bodyLen = [256]uint8{
	TypeSystemEvent:                     LenSystemEvent,
	TypeStockDirectory:                  LenStockDirectory,
	TypeStockTradingAction:              LenStockTradingAction,
	TypeRegSHORestriction:               LenRegSHORestriction,
	TypeMarketParticipantPosition:       LenMarketParticipantPosition,
	TypeMWCBDeclineLevel:                LenMWCBDeclineLevel,
	TypeMWCBStatus:                      LenMWCBStatus,
	TypeIPOQuotingPeriodUpdate:          LenIPOQuotingPeriodUpdate,
	TypeLULDAuctionCollar:               LenLULDAuctionCollar,
	TypeOperationalHalt:                 LenOperationalHalt,
	TypeAddOrder:                        LenAddOrder,
	TypeAddOrderMPID:                    LenAddOrderMPID,
	TypeOrderExecuted:                   LenOrderExecuted,
	TypeOrderExecutedWithPrice:          LenOrderExecutedWithPrice,
	TypeOrderCancel:                     LenOrderCancel,
	TypeOrderDelete:                     LenOrderDelete,
	TypeOrderReplace:                    LenOrderReplace,
	TypeTrade:                           LenTrade,
	TypeCrossTrade:                      LenCrossTrade,
	TypeBrokenTrade:                     LenBrokenTrade,
	TypeNetOrderImbalanceIndicator:      LenNetOrderImbalanceIndicator,
	TypeRetailPriceImprovementIndicator: LenRetailPriceImprovementIndicator,
	TypeDirectListingCapitalRaise:       LenDirectListingCapitalRaise,
}

// BodyLen returns the body length of message type t, and false if t is not a
// type this package knows.
func BodyLen(t byte) (n int, ok bool) {
	n = int(bodyLen[t])
	return n, n != 0
}

// Message is one ITCH 5.0 message of any type, flattened: the common header
// and the union of every type's fields, each field used by the types listed
// beside it and zero in the others. It holds no pointer, slice or string, so
// decoding into it allocates nothing and a slice of Messages is not scanned
// by the garbage collector.
//
// Integers are as on the wire, unscaled: prices are in units of 1/10000
// dollar (123456 is $12.3456), the MWCB levels in units of 1e-8 dollar.
// Alphas are as on the wire, ASCII padded on the right with spaces
// (Stock "AAPL    "); single-character alphas are bytes. [Decode] checks
// only the type and the length: a Side other than 'B' or 'S', say, is the
// caller's to judge.
//
// Each field is written at its wire width (see the package documentation);
// [Append] keeps the low-order bytes of a value too wide for it, and ignores
// the fields its type does not use. A Message from Decode always fits.
//
// Message is 240 bytes (pinned by a test); the header and the order and
// trade fields, all an order book needs, are its first 83 bytes, in the
// first two 64-byte cache lines of a Message so aligned.
type Message struct {
	// Common header, every type.
	Type           byte   // message type, one of the Type constants
	StockLocate    uint16 // locate code of the security; 0 for market-wide messages
	TrackingNumber uint16 // NASDAQ internal tracking number
	Timestamp      uint64 // nanoseconds since midnight; 6 bytes on the wire

	// Orders and trades.
	OrderRef       uint64  // A F E C X D P (U: the original order's reference); 8 bytes
	NewOrderRef    uint64  // U: the replacing order's reference; 8 bytes
	MatchNumber    uint64  // E C P Q B; 8 bytes
	Shares         uint64  // A F U P: 4 bytes; Q: 8 bytes
	Stock          [8]byte // R H Y L K J h A F P Q I N O
	Price          uint32  // A F U P
	ExecutedShares uint32  // E C
	CanceledShares uint32  // X
	ExecutionPrice uint32  // C
	CrossPrice     uint32  // Q
	Side           byte    // A F P: 'B' buy, 'S' sell (Buy/Sell Indicator)
	Printable      byte    // C: 'Y' or 'N'
	CrossType      byte    // Q I
	Attribution    [4]byte // F: MPID of the order's owner

	// Net order imbalance (I).
	PairedShares            uint64 // 8 bytes
	ImbalanceShares         uint64 // 8 bytes
	FarPrice                uint32
	NearPrice               uint32
	CurrentReferencePrice   uint32
	ImbalanceDirection      byte
	PriceVariationIndicator byte

	// Administrative and market structure.
	EventCode                    byte    // S
	TradingState                 byte    // H
	Reserved                     byte    // H
	Reason                       [4]byte // H
	RegSHOAction                 byte    // Y
	MarketCode                   byte    // h
	OperationalHaltAction        byte    // h
	InterestFlag                 byte    // N
	BreachedLevel                byte    // W
	MPID                         [4]byte // L
	PrimaryMarketMaker           byte    // L
	MarketMakerMode              byte    // L
	MarketParticipantState       byte    // L
	IPOQuotationReleaseQualifier byte    // K
	IPOQuotationReleaseTime      uint32  // K: seconds since midnight
	IPOPrice                     uint32  // K

	// Stock directory (R).
	RoundLotSize                uint32
	ETPLeverageFactor           uint32
	MarketCategory              byte
	FinancialStatusIndicator    byte
	RoundLotsOnly               byte
	IssueClassification         byte
	IssueSubType                [2]byte
	Authenticity                byte
	ShortSaleThresholdIndicator byte
	IPOFlag                     byte
	LULDReferencePriceTier      byte
	ETPFlag                     byte
	InverseIndicator            byte

	// MWCB decline levels (V): 8 bytes each, 8 implied decimals.
	Level1 uint64
	Level2 uint64
	Level3 uint64

	// LULD auction collar (J).
	AuctionCollarReferencePrice uint32
	UpperAuctionCollarPrice     uint32
	LowerAuctionCollarPrice     uint32
	AuctionCollarExtension      uint32

	// Direct listing with capital raise (O).
	NearExecutionTime     uint64 // 8 bytes
	MinimumAllowablePrice uint32
	MaximumAllowablePrice uint32
	NearExecutionPrice    uint32
	LowerPriceRangeCollar uint32
	UpperPriceRangeCollar uint32
	OpenEligibilityStatus byte
}
