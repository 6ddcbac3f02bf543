package itch

import (
	"encoding/binary"
	"fmt"
)

// Decode decodes one message body, without its length prefix, into m,
// overwriting every field (those m's type does not use become zero). It
// returns an error wrapping [ErrUnknownType] if the first byte is not a known
// message type, or [ErrSize] if the body's length is not exactly that type's;
// m is then left unchanged. Decode allocates nothing unless it fails.
func Decode(body []byte, m *Message) error {
	if len(body) == 0 {
		return fmt.Errorf("%w: empty body", ErrSize)
	}
	t := body[0]
	n, ok := BodyLen(t)
	if !ok {
		return fmt.Errorf("%w %q (%d bytes)", ErrUnknownType, t, len(body))
	}
	if len(body) != n {
		return fmt.Errorf("%w: type %q length %d, want %d", ErrSize, t, len(body), n)
	}
	*m = Message{
		Type:           t,
		StockLocate:    be.Uint16(body[1:3]),
		TrackingNumber: be.Uint16(body[3:5]),
		Timestamp:      uint48(body[5:11]),
	}
	b := body[HeaderLen:]
	switch t {
	case TypeSystemEvent:
		m.EventCode = b[0]
	case TypeStockDirectory:
		b = b[:LenStockDirectory-HeaderLen]
		m.Stock = [8]byte(b[0:8])
		m.MarketCategory = b[8]
		m.FinancialStatusIndicator = b[9]
		m.RoundLotSize = be.Uint32(b[10:14])
		m.RoundLotsOnly = b[14]
		m.IssueClassification = b[15]
		m.IssueSubType = [2]byte(b[16:18])
		m.Authenticity = b[18]
		m.ShortSaleThresholdIndicator = b[19]
		m.IPOFlag = b[20]
		m.LULDReferencePriceTier = b[21]
		m.ETPFlag = b[22]
		m.ETPLeverageFactor = be.Uint32(b[23:27])
		m.InverseIndicator = b[27]
	case TypeStockTradingAction:
		b = b[:LenStockTradingAction-HeaderLen]
		m.Stock = [8]byte(b[0:8])
		m.TradingState = b[8]
		m.Reserved = b[9]
		m.Reason = [4]byte(b[10:14])
	case TypeRegSHORestriction:
		b = b[:LenRegSHORestriction-HeaderLen]
		m.Stock = [8]byte(b[0:8])
		m.RegSHOAction = b[8]
	case TypeMarketParticipantPosition:
		b = b[:LenMarketParticipantPosition-HeaderLen]
		m.MPID = [4]byte(b[0:4])
		m.Stock = [8]byte(b[4:12])
		m.PrimaryMarketMaker = b[12]
		m.MarketMakerMode = b[13]
		m.MarketParticipantState = b[14]
	case TypeMWCBDeclineLevel:
		b = b[:LenMWCBDeclineLevel-HeaderLen]
		m.Level1 = be.Uint64(b[0:8])
		m.Level2 = be.Uint64(b[8:16])
		m.Level3 = be.Uint64(b[16:24])
	case TypeMWCBStatus:
		m.BreachedLevel = b[0]
	case TypeIPOQuotingPeriodUpdate:
		b = b[:LenIPOQuotingPeriodUpdate-HeaderLen]
		m.Stock = [8]byte(b[0:8])
		m.IPOQuotationReleaseTime = be.Uint32(b[8:12])
		m.IPOQuotationReleaseQualifier = b[12]
		m.IPOPrice = be.Uint32(b[13:17])
	case TypeLULDAuctionCollar:
		b = b[:LenLULDAuctionCollar-HeaderLen]
		m.Stock = [8]byte(b[0:8])
		m.AuctionCollarReferencePrice = be.Uint32(b[8:12])
		m.UpperAuctionCollarPrice = be.Uint32(b[12:16])
		m.LowerAuctionCollarPrice = be.Uint32(b[16:20])
		m.AuctionCollarExtension = be.Uint32(b[20:24])
	case TypeOperationalHalt:
		b = b[:LenOperationalHalt-HeaderLen]
		m.Stock = [8]byte(b[0:8])
		m.MarketCode = b[8]
		m.OperationalHaltAction = b[9]
	case TypeAddOrder, TypeAddOrderMPID:
		b = b[:LenAddOrder-HeaderLen]
		m.OrderRef = be.Uint64(b[0:8])
		m.Side = b[8]
		m.Shares = uint64(be.Uint32(b[9:13]))
		m.Stock = [8]byte(b[13:21])
		m.Price = be.Uint32(b[21:25])
		if t == TypeAddOrderMPID {
			m.Attribution = [4]byte(body[LenAddOrder:LenAddOrderMPID])
		}
	case TypeOrderExecuted, TypeOrderExecutedWithPrice:
		b = b[:LenOrderExecuted-HeaderLen]
		m.OrderRef = be.Uint64(b[0:8])
		m.ExecutedShares = be.Uint32(b[8:12])
		m.MatchNumber = be.Uint64(b[12:20])
		if t == TypeOrderExecutedWithPrice {
			b = body[LenOrderExecuted:LenOrderExecutedWithPrice]
			m.Printable = b[0]
			m.ExecutionPrice = be.Uint32(b[1:5])
		}
	case TypeOrderCancel:
		b = b[:LenOrderCancel-HeaderLen]
		m.OrderRef = be.Uint64(b[0:8])
		m.CanceledShares = be.Uint32(b[8:12])
	case TypeOrderDelete:
		m.OrderRef = be.Uint64(b[0:8])
	case TypeOrderReplace:
		b = b[:LenOrderReplace-HeaderLen]
		m.OrderRef = be.Uint64(b[0:8])
		m.NewOrderRef = be.Uint64(b[8:16])
		m.Shares = uint64(be.Uint32(b[16:20]))
		m.Price = be.Uint32(b[20:24])
	case TypeTrade:
		b = b[:LenTrade-HeaderLen]
		m.OrderRef = be.Uint64(b[0:8])
		m.Side = b[8]
		m.Shares = uint64(be.Uint32(b[9:13]))
		m.Stock = [8]byte(b[13:21])
		m.Price = be.Uint32(b[21:25])
		m.MatchNumber = be.Uint64(b[25:33])
	case TypeCrossTrade:
		b = b[:LenCrossTrade-HeaderLen]
		m.Shares = be.Uint64(b[0:8])
		m.Stock = [8]byte(b[8:16])
		m.CrossPrice = be.Uint32(b[16:20])
		m.MatchNumber = be.Uint64(b[20:28])
		m.CrossType = b[28]
	case TypeBrokenTrade:
		m.MatchNumber = be.Uint64(b[0:8])
	case TypeNetOrderImbalanceIndicator:
		b = b[:LenNetOrderImbalanceIndicator-HeaderLen]
		m.PairedShares = be.Uint64(b[0:8])
		m.ImbalanceShares = be.Uint64(b[8:16])
		m.ImbalanceDirection = b[16]
		m.Stock = [8]byte(b[17:25])
		m.FarPrice = be.Uint32(b[25:29])
		m.NearPrice = be.Uint32(b[29:33])
		m.CurrentReferencePrice = be.Uint32(b[33:37])
		m.CrossType = b[37]
		m.PriceVariationIndicator = b[38]
	case TypeRetailPriceImprovementIndicator:
		b = b[:LenRetailPriceImprovementIndicator-HeaderLen]
		m.Stock = [8]byte(b[0:8])
		m.InterestFlag = b[8]
	case TypeDirectListingCapitalRaise:
		b = b[:LenDirectListingCapitalRaise-HeaderLen]
		m.Stock = [8]byte(b[0:8])
		m.OpenEligibilityStatus = b[8]
		m.MinimumAllowablePrice = be.Uint32(b[9:13])
		m.MaximumAllowablePrice = be.Uint32(b[13:17])
		m.NearExecutionPrice = be.Uint32(b[17:21])
		m.NearExecutionTime = be.Uint64(b[21:29])
		m.LowerPriceRangeCollar = be.Uint32(b[29:33])
		m.UpperPriceRangeCollar = be.Uint32(b[33:37])
	}
	return nil
}

// be is the byte order of every ITCH integer.
var be = binary.BigEndian

// uint48 reads a 6-byte big-endian integer (the timestamp).
func uint48(b []byte) uint64 {
	_ = b[5]
	return uint64(b[0])<<40 | uint64(b[1])<<32 | uint64(b[2])<<24 |
		uint64(b[3])<<16 | uint64(b[4])<<8 | uint64(b[5])
}
