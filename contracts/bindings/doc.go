// Package bindings holds the abigen (v1) Go bindings of Rahat's contracts, one generated file per contract:
// RahatToken, RahatTreasury, RahatProjectFactory and RahatProject. Do not edit the generated files;
// `make contracts` (bash contracts/build.sh) rewrites them from contracts/src.
//
// Events whose Solidity parameters have no name (OwnerAdded, OwnerRemoved, BeneficiaryAdded,
// BeneficiaryRemoved) get a field called Arg0.
package bindings
