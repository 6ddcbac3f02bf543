package progress

import "strconv"

// appendHuman appends v for people: as is below 1000, else with one
// decimal and a suffix K, M, G, T, P or E (powers of 1000), rounded to the
// nearest tenth: 999 "999", 1000 "1.0K", 5249999 "5.2M", 999950 "1.0M".
// A negative v is written as is.
func appendHuman(dst []byte, v int64) []byte {
	if v < 1000 {
		return strconv.AppendInt(dst, v, 10)
	}
	const suffixes = "KMGTPE"
	u := int64(1000)
	for i := range len(suffixes) {
		tenth := u / 10
		q := v / tenth
		if v%tenth >= tenth/2 {
			q++
		}
		if q < 10000 || i == len(suffixes)-1 {
			dst = strconv.AppendInt(dst, q/10, 10)
			return append(dst, '.', byte('0'+q%10), suffixes[i])
		}
		u *= 1000
	}
	panic("unreachable")
}
