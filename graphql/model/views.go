package model

import "sync"

// BeneficiaryView is one address as a beneficiary across projects; its fields are resolved on
// demand (see package graphql), from memberships loaded once.
type BeneficiaryView struct {
	Address Bytes        `json:"address"`
	Block   *BlockHeight `json:"-"`
	// Once guards Members, shared by the totals.
	Once    sync.Once      `json:"-"`
	Members []*Beneficiary `json:"-"`
	Err     error          `json:"-"`
}

// VendorView is one address as a vendor across projects; see BeneficiaryView.
type VendorView struct {
	Address Bytes        `json:"address"`
	Block   *BlockHeight `json:"-"`
	Once    sync.Once    `json:"-"`
	Members []*Vendor    `json:"-"`
	Err     error        `json:"-"`
}
