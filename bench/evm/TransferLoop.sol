// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// evm-bench's ERC-20 loop: one call that makes `count` OpenZeppelin transfers, each to a new holder.
contract TransferLoop is ERC20 {
    constructor() ERC20("L", "L") {
        _mint(msg.sender, 1e30);
    }

    /// Moves 1 from the caller to each of the addresses 1, 2, …, count.
    function transferMany(uint256 count) external {
        for (uint256 i = 0; i < count; ++i) _transfer(msg.sender, address(uint160(i + 1)), 1);
    }
}
