package helmrepo

// ParseIndexForFuzz exposes parseIndex to the external fuzz test.
func ParseIndexForFuzz(data []byte) (any, error) {
	idx, err := parseIndex(data)
	if idx == nil {
		return nil, err
	}
	return idx, err
}
