package entity

import (
	"math/big"

	"github.com/ethereum/go-ethereum/common"
	"github.com/jackc/pgx/v5/pgtype"
)

// ---- beneficiaries ----

// beneficiary is a version of ent_beneficiaries, keyed by (project, address).
type beneficiary struct {
	token                                          *common.Address
	active, walkIn                                 bool
	walkInVendor                                   *common.Address
	allocation, claimed, offlineClaimed, disbursed *big.Int
	claims, firstBlock                             int64
}

const selectBeneficiaries = `
SELECT b.project, b.address, b.token, b.active, b.walk_in, b.walk_in_vendor, b.allocation, b.claimed,
       b.offline_claimed, b.disbursed, b.claim_count, b.first_block, lower(b.block_range)
FROM ent_beneficiaries b`

const loadBeneficiariesSQL = selectBeneficiaries + `
WHERE b.id = ANY($1::uuid[]) AND upper_inf(b.block_range)`

func beneficiarySpec() *spec[pair, beneficiary] {
	return &spec[pair, beneficiary]{
		table: "ent_beneficiaries",
		columns: []string{"chain_id", "project", "address", "block_range", "token", "active", "walk_in",
			"walk_in_vendor", "allocation", "claimed", "offline_claimed", "disbursed", "claim_count", "first_block"},
		load: loadBeneficiariesSQL,
		id:   pairID,
		scan: func(rows scanner) (pair, beneficiary, int64, error) {
			var proj, addr, tok, vendor []byte
			var b beneficiary
			n := make([]pgtype.Numeric, 4)
			var from int64
			err := rows.Scan(&proj, &addr, &tok, &b.active, &b.walkIn, &vendor, &n[0], &n[1], &n[2], &n[3],
				&b.claims, &b.firstBlock, &from)
			if err == nil {
				b.token, b.walkInVendor = bytesAddr(tok), bytesAddr(vendor)
				err = scanBigs(n, &b.allocation, &b.claimed, &b.offlineClaimed, &b.disbursed)
			}
			return pair{common.BytesToAddress(proj), common.BytesToAddress(addr)}, b, from, err
		},
		row: func(chain int64, k pair, rng pgtype.Range[pgtype.Int8], b beneficiary) []any {
			return []any{chain, k.a.Bytes(), k.b.Bytes(), rng, addrBytes(b.token), b.active, b.walkIn,
				addrBytes(b.walkInVendor), num(b.allocation), num(b.claimed), num(b.offlineClaimed), num(b.disbursed),
				b.claims, b.firstBlock}
		},
	}
}

// ---- vendors ----

// vendor is a version of ent_vendors, keyed by (project, address).
type vendor struct {
	token                                                    *common.Address
	approved, everApproved                                   bool
	claims, processed, offline, redeems, walkIns, firstBlock int64
	claimed, offlineClaimed, redeemed                        *big.Int
}

const selectVendors = `
SELECT v.project, v.address, v.token, v.approved, v.ever_approved, v.claim_count, v.processed_count, v.claimed,
       v.offline_count, v.offline_claimed, v.redeem_count, v.redeemed, v.walk_in_count, v.first_block,
       lower(v.block_range)
FROM ent_vendors v`

const loadVendorsSQL = selectVendors + `
WHERE v.id = ANY($1::uuid[]) AND upper_inf(v.block_range)`

func vendorSpec() *spec[pair, vendor] {
	return &spec[pair, vendor]{
		table: "ent_vendors",
		columns: []string{"chain_id", "project", "address", "block_range", "token", "approved", "ever_approved",
			"claim_count", "processed_count", "claimed", "offline_count", "offline_claimed", "redeem_count",
			"redeemed", "walk_in_count", "first_block"},
		load: loadVendorsSQL,
		id:   pairID,
		scan: func(rows scanner) (pair, vendor, int64, error) {
			var proj, addr, tok []byte
			var v vendor
			n := make([]pgtype.Numeric, 3)
			var from int64
			err := rows.Scan(&proj, &addr, &tok, &v.approved, &v.everApproved, &v.claims, &v.processed, &n[0],
				&v.offline, &n[1], &v.redeems, &n[2], &v.walkIns, &v.firstBlock, &from)
			if err == nil {
				v.token = bytesAddr(tok)
				err = scanBigs(n, &v.claimed, &v.offlineClaimed, &v.redeemed)
			}
			return pair{common.BytesToAddress(proj), common.BytesToAddress(addr)}, v, from, err
		},
		row: func(chain int64, k pair, rng pgtype.Range[pgtype.Int8], v vendor) []any {
			return []any{chain, k.a.Bytes(), k.b.Bytes(), rng, addrBytes(v.token), v.approved, v.everApproved,
				v.claims, v.processed, num(v.claimed), v.offline, num(v.offlineClaimed), v.redeems, num(v.redeemed),
				v.walkIns, v.firstBlock}
		},
	}
}

// ---- claims ----

// claimKey keys ent_claims: the project and the claim id (a uint256, big-endian).
type claimKey struct {
	project common.Address
	id      [32]byte
}

func newClaimKey(project common.Address, id *big.Int) claimKey {
	k := claimKey{project: project}
	id.FillBytes(k.id[:])
	return k
}

func (k claimKey) idBig() *big.Int { return new(big.Int).SetBytes(k.id[:]) }

// Claim states as stored; "expired" is derived at read time (see ClaimState).
const (
	stateCreated   = "created"
	stateCodeAdded = "code_added"
	stateProcessed = "processed"
)

// claim is a version of ent_claims.
type claim struct {
	claimer, claimee, token, otpServer common.Address
	amount                             *big.Int
	state                              string
	otpHash                            *common.Hash
	expiresAt                          *int64
	codes                              int64
	createdBlock, createdAt            int64
	createdTx                          common.Hash
	codeAddedAt                        *int64
	processedBlock, processedAt        *int64
	processedTx                        *common.Hash
}

const claimColumns = `c.claimer, c.claimee, c.token, c.otp_server, c.amount, c.state, c.otp_hash, c.expires_at,
       c.code_count, c.created_block, c.created_at, c.created_tx, c.code_added_at, c.processed_block,
       c.processed_at, c.processed_tx`

const selectClaims = `
SELECT c.project, c.claim_id, ` + claimColumns + `, lower(c.block_range)
FROM ent_claims c`

const loadClaimsSQL = selectClaims + `
WHERE c.id = ANY($1::uuid[]) AND upper_inf(c.block_range)`

// loadOpenClaimsOfSQL loads the unsettled claims of (project, claimee) pairs, the candidates of the
// fallback that matches OtpAdded and ClaimProcessed to claims by their parameters.
const loadOpenClaimsOfSQL = selectClaims + `
JOIN unnest($2::bytea[], $3::bytea[]) AS k(project, claimee) ON c.claimee = k.claimee AND c.project = k.project
WHERE c.chain_id = $1 AND upper_inf(c.block_range) AND c.state <> 'processed'`

// claimID is a claim's entity id; the claim id enters as its decimal digits, which SQL writes
// as convert_to(claim_id::text, 'UTF8').
func claimID(chain int64, k claimKey) pgtype.UUID {
	return entityID(chain, k.project.Bytes(), []byte(k.idBig().String()))
}

func scanClaim(rows scanner) (claimKey, claim, int64, error) {
	var proj, claimer, claimee, tok, server, otp, created, processed []byte
	var id, amount pgtype.Numeric
	var c claim
	var from int64
	err := rows.Scan(&proj, &id, &claimer, &claimee, &tok, &server, &amount, &c.state, &otp, &c.expiresAt,
		&c.codes, &c.createdBlock, &c.createdAt, &created, &c.codeAddedAt, &c.processedBlock, &c.processedAt,
		&processed, &from)
	if err != nil {
		return claimKey{}, c, 0, err
	}
	idb, err := toBig(id)
	if err != nil {
		return claimKey{}, c, 0, err
	}
	if c.amount, err = toBig(amount); err != nil {
		return claimKey{}, c, 0, err
	}
	c.claimer, c.claimee = common.BytesToAddress(claimer), common.BytesToAddress(claimee)
	c.token, c.otpServer = common.BytesToAddress(tok), common.BytesToAddress(server)
	c.otpHash, c.processedTx = bytesHash(otp), bytesHash(processed)
	c.createdTx = common.BytesToHash(created)
	return newClaimKey(common.BytesToAddress(proj), idb), c, from, nil
}

func claimSpec() *spec[claimKey, claim] {
	return &spec[claimKey, claim]{
		table: "ent_claims",
		columns: []string{"chain_id", "project", "claim_id", "block_range", "claimer", "claimee", "token", "otp_server",
			"amount", "state", "otp_hash", "expires_at", "code_count", "created_block", "created_at", "created_tx",
			"code_added_at", "processed_block", "processed_at", "processed_tx"},
		load: loadClaimsSQL,
		id:   claimID,
		scan: scanClaim,
		row: func(chain int64, k claimKey, rng pgtype.Range[pgtype.Int8], c claim) []any {
			return []any{chain, k.project.Bytes(), num(k.idBig()), rng, c.claimer.Bytes(), c.claimee.Bytes(),
				c.token.Bytes(), c.otpServer.Bytes(), num(c.amount), c.state, hashBytes(c.otpHash), c.expiresAt,
				c.codes, c.createdBlock, c.createdAt, c.createdTx.Bytes(), c.codeAddedAt, c.processedBlock,
				c.processedAt, hashBytes(c.processedTx)}
		},
	}
}

func hashBytes(h *common.Hash) []byte {
	if h == nil {
		return nil
	}
	return h.Bytes()
}

func bytesHash(b []byte) *common.Hash {
	if b == nil {
		return nil
	}
	h := common.BytesToHash(b)
	return &h
}
