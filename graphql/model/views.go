package model

import (
	"io"
	"slices"
	"strconv"
	"sync"
)

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

// The operational types (Distribution, ClaimRequest, Settlement, Transaction) are rows of the
// command API's and the transaction manager's tables, read by package graphql's ops resolvers.
// Times are RFC 3339 strings in UTC, as the REST API writes them. Fields tagged json:"-" are the
// resolvers' own; their names differ from every schema field so that gqlgen does not bind them.

// Transaction is a txmgr_txs row.
type Transaction struct {
	ID             string           `json:"id"`
	Kind           string           `json:"kind"`
	Ref            string           `json:"ref"`
	Signer         Bytes            `json:"signer"`
	To             Bytes            `json:"to"`
	State          TransactionState `json:"state"`
	Nonce          *Int8            `json:"nonce"`
	Hash           Bytes            `json:"hash"`
	Attempts       int              `json:"attempts"`
	SubmittedAt    *string          `json:"submittedAt"`
	LastSentAt     *string          `json:"lastSentAt"`
	MinedBlock     *Int8            `json:"minedBlock"`
	MinedBlockHash Bytes            `json:"minedBlockHash"`
	MinedAt        *string          `json:"minedAt"`
	GasUsed        *Int8            `json:"gasUsed"`
	Reverted       bool             `json:"reverted"`
	FinalizedAt    *string          `json:"finalizedAt"`
	Error          string           `json:"error"`
	CreatedAt      string           `json:"createdAt"`
	UpdatedAt      string           `json:"updatedAt"`
	Items          *int             `json:"items"`
	// Key is the numeric id.
	Key int64 `json:"-"`
}

// DistributionItems counts a distribution's allocations by the state of their transactions.
type DistributionItems struct {
	Total  int `json:"total"`
	Queued int `json:"queued"`
	Sent   int `json:"sent"`
	Mined  int `json:"mined"`
	Final  int `json:"final"`
	Failed int `json:"failed"`
}

// DistributionAllocation is an api_distribution_items row with its transaction's state.
type DistributionAllocation struct {
	Index         int              `json:"index"`
	Beneficiary   Bytes            `json:"beneficiary"`
	Amount        BigInt           `json:"amount"`
	TransactionID string           `json:"transactionId"`
	State         TransactionState `json:"state"`
}

// Distribution is an api_distributions row; State and Error are folded from its transactions.
type Distribution struct {
	ID            string       `json:"id"`
	Project       Bytes        `json:"project"`
	Token         Bytes        `json:"token"`
	Signer        Bytes        `json:"signer"`
	State         RequestState `json:"state"`
	Error         string       `json:"error"`
	Beneficiaries int          `json:"beneficiaries"`
	Total         BigInt       `json:"total"`
	AddedOnChain  int          `json:"addedOnChain"`
	CreatedBy     string       `json:"createdBy"`
	CreatedAt     string       `json:"createdAt"`
	UpdatedAt     string       `json:"updatedAt"`
	Key           int64        `json:"-"`
	// Loaded holds what a list resolver read for all its rows at once (nil: read on demand).
	Loaded *OpsLoaded `json:"-"`
}

// ClaimRequest is an api_claims row.
type ClaimRequest struct {
	ID            string            `json:"id"`
	Project       Bytes             `json:"project"`
	Token         Bytes             `json:"token"`
	Vendor        Bytes             `json:"vendor"`
	Beneficiary   Bytes             `json:"beneficiary"`
	Amount        BigInt            `json:"amount"`
	State         ClaimRequestState `json:"state"`
	Error         string            `json:"error"`
	ClaimID       *BigInt           `json:"claimId"`
	CodeExpiresAt *string           `json:"codeExpiresAt"`
	Attempts      int               `json:"attempts"`
	CodesSent     int               `json:"codesSent"`
	CreatedAt     string            `json:"createdAt"`
	UpdatedAt     string            `json:"updatedAt"`
	Key           int64             `json:"-"`
	Loaded        *OpsLoaded        `json:"-"`
}

// Settlement is an api_settlements row; State and Error are folded from its transactions.
type Settlement struct {
	ID        string       `json:"id"`
	Project   Bytes        `json:"project"`
	Token     Bytes        `json:"token"`
	Vendor    Bytes        `json:"vendor"`
	Amount    BigInt       `json:"amount"`
	State     RequestState `json:"state"`
	Error     string       `json:"error"`
	CreatedAt string       `json:"createdAt"`
	UpdatedAt string       `json:"updatedAt"`
	Key       int64        `json:"-"`
	Loaded    *OpsLoaded   `json:"-"`
}

// OpsLoaded is what a list of requests loaded for all its rows in one query each.
type OpsLoaded struct {
	// Txs are the request's transactions (by ref), when the query selected them.
	Txs []*Transaction
	// Counts are a distribution's allocations by state, when selected.
	Counts *DistributionItems
}

// RequestState is the GraphQL enum of a distribution's or settlement's state.
type RequestState string

// ClaimRequestState is the GraphQL enum of a claim request's state.
type ClaimRequestState string

// TransactionState is the GraphQL enum of an outbox transaction's state.
type TransactionState string

var (
	requestStates     = []string{"pending", "submitted", "final", "failed"}
	claimStates       = []string{"creating", "code_sent", "expired", "processing", "processed", "failed"}
	transactionStates = []string{"queued", "sent", "mined", "final", "failed"}
)

// IsValid reports a state the enum declares.
func (s RequestState) IsValid() bool { return slices.Contains(requestStates, string(s)) }

// IsValid reports a state the enum declares.
func (s ClaimRequestState) IsValid() bool { return slices.Contains(claimStates, string(s)) }

// IsValid reports a state the enum declares.
func (s TransactionState) IsValid() bool { return slices.Contains(transactionStates, string(s)) }

// MarshalGQL writes the enum value.
func (s RequestState) MarshalGQL(w io.Writer) { io.WriteString(w, strconv.Quote(string(s))) } //nolint:errcheck // no error path

// MarshalGQL writes the enum value.
func (s ClaimRequestState) MarshalGQL(w io.Writer) { io.WriteString(w, strconv.Quote(string(s))) } //nolint:errcheck // no error path

// MarshalGQL writes the enum value.
func (s TransactionState) MarshalGQL(w io.Writer) { io.WriteString(w, strconv.Quote(string(s))) } //nolint:errcheck // no error path

// UnmarshalGQL reads an enum value.
func (s *RequestState) UnmarshalGQL(v any) error {
	return unmarshalEnum(v, "RequestState", requestStates, (*string)(s))
}

// UnmarshalGQL reads an enum value.
func (s *ClaimRequestState) UnmarshalGQL(v any) error {
	return unmarshalEnum(v, "ClaimRequestState", claimStates, (*string)(s))
}

// UnmarshalGQL reads an enum value.
func (s *TransactionState) UnmarshalGQL(v any) error {
	return unmarshalEnum(v, "TransactionState", transactionStates, (*string)(s))
}

func unmarshalEnum(v any, name string, values []string, out *string) error {
	str, ok := v.(string)
	if !ok || !slices.Contains(values, str) {
		return Errorf("%s must be one of %v, got %s", name, values, describe(v))
	}
	*out = str
	return nil
}

// String returns the state's name.
func (s RequestState) String() string { return string(s) }

// String returns the state's name.
func (s ClaimRequestState) String() string { return string(s) }

// String returns the state's name.
func (s TransactionState) String() string { return string(s) }
