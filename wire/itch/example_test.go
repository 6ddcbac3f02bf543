package itch_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/tradeengine/engine/wire/itch"
)

func ExampleDecode() {
	// An add order (type 'A', 36 bytes): buy 34 TEST at $12.3456.
	body, _ := hex.DecodeString("41" + "0102" + "0304" + "000005060708" +
		"0000000000000011" + "42" + "00000022" + "5445535420202020" + "0001e240")
	var m itch.Message
	if err := itch.Decode(body, &m); err != nil {
		panic(err)
	}
	fmt.Printf("type %c locate %d tracking %d at %dns\n", m.Type, m.StockLocate, m.TrackingNumber, m.Timestamp)
	fmt.Printf("order %d: %c %d %s @ %d.%04d\n", m.OrderRef, m.Side, m.Shares,
		bytes.TrimRight(m.Stock[:], " "), m.Price/10000, m.Price%10000)

	// A body one byte short.
	fmt.Println(itch.Decode(body[:35], &m))
	// Output:
	// type A locate 258 tracking 772 at 84281096ns
	// order 17: B 34 TEST @ 12.3456
	// itch: invalid message size: type 'A' length 35, want 36
}

func ExampleReader() {
	// Write two messages and a bad frame between them, then read them back.
	var stream bytes.Buffer
	w := itch.NewWriter(&stream)
	w.Write(&itch.Message{Type: itch.TypeSystemEvent, Timestamp: 34200e9, EventCode: 'Q'})
	w.Flush()
	stream.Write([]byte{0, 3, 'Z', 0, 0}) // a frame of an unknown type
	w.Write(&itch.Message{Type: itch.TypeOrderDelete, StockLocate: 7, OrderRef: 42})
	w.Flush()

	r := itch.NewReader(&stream)
	for {
		var m itch.Message
		err := r.Next(&m)
		if err == io.EOF {
			break
		}
		var fe *itch.FrameError
		if errors.As(err, &fe) {
			fmt.Println("skipped:", err)
			continue
		}
		if err != nil {
			panic(err)
		}
		switch m.Type {
		case itch.TypeSystemEvent:
			fmt.Printf("system event %c at %ds after midnight\n", m.EventCode, m.Timestamp/1e9)
		case itch.TypeOrderDelete:
			fmt.Printf("delete order %d (locate %d)\n", m.OrderRef, m.StockLocate)
		}
	}
	// Output:
	// system event Q at 34200s after midnight
	// skipped: itch: offset 14 (message 1): unknown message type 'Z' (3 bytes)
	// delete order 42 (locate 7)
}
