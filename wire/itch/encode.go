package itch

import "slices"

// Append appends the body of m (without a length prefix) to dst and returns
// the extended slice. It writes each field m's type uses at its wire width,
// keeping the low-order bytes of a value too wide for it, and ignores the
// fields the type does not use, so that Decode(Append(nil, m)) gives back m
// whenever m came from [Decode] or fits likewise. If m.Type is not a known
// message type (see [BodyLen]) Append returns dst unchanged.
func Append(dst []byte, m *Message) []byte {
	n, ok := BodyLen(m.Type)
	if !ok {
		return dst
	}
	dst = slices.Grow(dst, n)
	dst = append(dst, m.Type)
	dst = be.AppendUint16(dst, m.StockLocate)
	dst = be.AppendUint16(dst, m.TrackingNumber)
	dst = appendUint48(dst, m.Timestamp)
	switch m.Type {
	case TypeSystemEvent:
		dst = append(dst, m.EventCode)
	case TypeStockDirectory:
		dst = append(dst, m.Stock[:]...)
		dst = append(dst, m.MarketCategory, m.FinancialStatusIndicator)
		dst = be.AppendUint32(dst, m.RoundLotSize)
		dst = append(dst, m.RoundLotsOnly, m.IssueClassification)
		dst = append(dst, m.IssueSubType[:]...)
		dst = append(dst, m.Authenticity, m.ShortSaleThresholdIndicator, m.IPOFlag,
			m.LULDReferencePriceTier, m.ETPFlag)
		dst = be.AppendUint32(dst, m.ETPLeverageFactor)
		dst = append(dst, m.InverseIndicator)
	case TypeStockTradingAction:
		dst = append(dst, m.Stock[:]...)
		dst = append(dst, m.TradingState, m.Reserved)
		dst = append(dst, m.Reason[:]...)
	case TypeRegSHORestriction:
		dst = append(dst, m.Stock[:]...)
		dst = append(dst, m.RegSHOAction)
	case TypeMarketParticipantPosition:
		dst = append(dst, m.MPID[:]...)
		dst = append(dst, m.Stock[:]...)
		dst = append(dst, m.PrimaryMarketMaker, m.MarketMakerMode, m.MarketParticipantState)
	case TypeMWCBDeclineLevel:
		dst = be.AppendUint64(dst, m.Level1)
		dst = be.AppendUint64(dst, m.Level2)
		dst = be.AppendUint64(dst, m.Level3)
	case TypeMWCBStatus:
		dst = append(dst, m.BreachedLevel)
	case TypeIPOQuotingPeriodUpdate:
		dst = append(dst, m.Stock[:]...)
		dst = be.AppendUint32(dst, m.IPOQuotationReleaseTime)
		dst = append(dst, m.IPOQuotationReleaseQualifier)
		dst = be.AppendUint32(dst, m.IPOPrice)
	case TypeLULDAuctionCollar:
		dst = append(dst, m.Stock[:]...)
		dst = be.AppendUint32(dst, m.AuctionCollarReferencePrice)
		dst = be.AppendUint32(dst, m.UpperAuctionCollarPrice)
		dst = be.AppendUint32(dst, m.LowerAuctionCollarPrice)
		dst = be.AppendUint32(dst, m.AuctionCollarExtension)
	case TypeOperationalHalt:
		dst = append(dst, m.Stock[:]...)
		dst = append(dst, m.MarketCode, m.OperationalHaltAction)
	case TypeAddOrder, TypeAddOrderMPID:
		dst = be.AppendUint64(dst, m.OrderRef)
		dst = append(dst, m.Side)
		dst = be.AppendUint32(dst, uint32(m.Shares))
		dst = append(dst, m.Stock[:]...)
		dst = be.AppendUint32(dst, m.Price)
		if m.Type == TypeAddOrderMPID {
			dst = append(dst, m.Attribution[:]...)
		}
	case TypeOrderExecuted, TypeOrderExecutedWithPrice:
		dst = be.AppendUint64(dst, m.OrderRef)
		dst = be.AppendUint32(dst, m.ExecutedShares)
		dst = be.AppendUint64(dst, m.MatchNumber)
		if m.Type == TypeOrderExecutedWithPrice {
			dst = append(dst, m.Printable)
			dst = be.AppendUint32(dst, m.ExecutionPrice)
		}
	case TypeOrderCancel:
		dst = be.AppendUint64(dst, m.OrderRef)
		dst = be.AppendUint32(dst, m.CanceledShares)
	case TypeOrderDelete:
		dst = be.AppendUint64(dst, m.OrderRef)
	case TypeOrderReplace:
		dst = be.AppendUint64(dst, m.OrderRef)
		dst = be.AppendUint64(dst, m.NewOrderRef)
		dst = be.AppendUint32(dst, uint32(m.Shares))
		dst = be.AppendUint32(dst, m.Price)
	case TypeTrade:
		dst = be.AppendUint64(dst, m.OrderRef)
		dst = append(dst, m.Side)
		dst = be.AppendUint32(dst, uint32(m.Shares))
		dst = append(dst, m.Stock[:]...)
		dst = be.AppendUint32(dst, m.Price)
		dst = be.AppendUint64(dst, m.MatchNumber)
	case TypeCrossTrade:
		dst = be.AppendUint64(dst, m.Shares)
		dst = append(dst, m.Stock[:]...)
		dst = be.AppendUint32(dst, m.CrossPrice)
		dst = be.AppendUint64(dst, m.MatchNumber)
		dst = append(dst, m.CrossType)
	case TypeBrokenTrade:
		dst = be.AppendUint64(dst, m.MatchNumber)
	case TypeNetOrderImbalanceIndicator:
		dst = be.AppendUint64(dst, m.PairedShares)
		dst = be.AppendUint64(dst, m.ImbalanceShares)
		dst = append(dst, m.ImbalanceDirection)
		dst = append(dst, m.Stock[:]...)
		dst = be.AppendUint32(dst, m.FarPrice)
		dst = be.AppendUint32(dst, m.NearPrice)
		dst = be.AppendUint32(dst, m.CurrentReferencePrice)
		dst = append(dst, m.CrossType, m.PriceVariationIndicator)
	case TypeRetailPriceImprovementIndicator:
		dst = append(dst, m.Stock[:]...)
		dst = append(dst, m.InterestFlag)
	case TypeDirectListingCapitalRaise:
		dst = append(dst, m.Stock[:]...)
		dst = append(dst, m.OpenEligibilityStatus)
		dst = be.AppendUint32(dst, m.MinimumAllowablePrice)
		dst = be.AppendUint32(dst, m.MaximumAllowablePrice)
		dst = be.AppendUint32(dst, m.NearExecutionPrice)
		dst = be.AppendUint64(dst, m.NearExecutionTime)
		dst = be.AppendUint32(dst, m.LowerPriceRangeCollar)
		dst = be.AppendUint32(dst, m.UpperPriceRangeCollar)
	}
	return dst
}

// appendUint48 appends the low 6 bytes of v, big-endian (the timestamp).
func appendUint48(b []byte, v uint64) []byte {
	return append(b, byte(v>>40), byte(v>>32), byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
}
