// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// evm-bench's hashing loop: one call that chains `count` keccak256 hashes.
contract HashLoop {
    function hashChain(uint256 count) external pure returns (bytes32 hash) {
        for (uint256 i = 0; i < count; ++i) hash = keccak256(abi.encodePacked(hash));
    }
}
