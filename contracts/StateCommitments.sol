// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// What StateCommitments reads of the inbox: how far the posted batches reach.
interface IBatchInbox {
    function lastPostedBlock() external view returns (uint64);
}

/// Velox's state commitments on L1: the proposer records (L2 block number, block hash, state root)
/// for blocks whose data the inbox already holds, in increasing block order. A commitment is final
/// once the challenge window (seconds, fixed at deployment) has passed since it was recorded; what
/// may later read it (a bridge portal proving withdrawals) must wait for that. Every commitment is
/// announced by a StateCommitted event.
contract StateCommitments {
    struct Commitment {
        uint64 l2BlockNumber;
        uint64 committedAt;
        bytes32 blockHash;
        bytes32 stateRoot;
    }

    address public immutable proposer;
    IBatchInbox public immutable inbox;
    /// The challenge window: seconds between recording a commitment and its finality.
    uint256 public immutable finalizationPeriodSeconds;

    Commitment[] internal commitments;
    /// L2 block number → its commitment's index + 1 (0: none).
    mapping(uint64 => uint256) internal indexPlusOne;

    event StateCommitted(
        uint256 indexed index,
        uint64 indexed l2BlockNumber,
        bytes32 blockHash,
        bytes32 stateRoot,
        uint64 committedAt
    );

    error NotProposer(address sender);
    /// Commitments go forward: each is for a later block than the one before.
    error CommitmentNotAfterLatest(uint64 latestBlockNumber, uint64 l2BlockNumber);
    /// The block's data is not posted in the inbox yet, so nobody could check the commitment.
    error CommitmentBeyondPostedBatches(uint64 lastPostedBlock, uint64 l2BlockNumber);
    error EmptyCommitment();
    error UnknownCommitment(uint64 l2BlockNumber);

    constructor(address proposer_, IBatchInbox inbox_, uint256 finalizationPeriodSeconds_) {
        proposer = proposer_;
        inbox = inbox_;
        finalizationPeriodSeconds = finalizationPeriodSeconds_;
    }

    function commit(uint64 l2BlockNumber, bytes32 blockHash, bytes32 stateRoot) external {
        if (msg.sender != proposer) revert NotProposer(msg.sender);
        if (blockHash == bytes32(0) || stateRoot == bytes32(0)) revert EmptyCommitment();
        uint256 count = commitments.length;
        if (count > 0) {
            uint64 latest = commitments[count - 1].l2BlockNumber;
            if (l2BlockNumber <= latest) revert CommitmentNotAfterLatest(latest, l2BlockNumber);
        }
        uint64 posted = inbox.lastPostedBlock();
        if (l2BlockNumber > posted) revert CommitmentBeyondPostedBatches(posted, l2BlockNumber);
        uint64 committedAt = uint64(block.timestamp);
        commitments.push(
            Commitment({
                l2BlockNumber: l2BlockNumber,
                committedAt: committedAt,
                blockHash: blockHash,
                stateRoot: stateRoot
            })
        );
        indexPlusOne[l2BlockNumber] = count + 1;
        emit StateCommitted(count, l2BlockNumber, blockHash, stateRoot, committedAt);
    }

    function commitmentCount() external view returns (uint256) {
        return commitments.length;
    }

    function commitmentAt(uint256 index) external view returns (Commitment memory) {
        return commitments[index];
    }

    function commitmentFor(uint64 l2BlockNumber) public view returns (Commitment memory) {
        uint256 index = indexPlusOne[l2BlockNumber];
        if (index == 0) revert UnknownCommitment(l2BlockNumber);
        return commitments[index - 1];
    }

    /// Whether the commitment of this L2 block is final: its challenge window has passed.
    function isFinalized(uint64 l2BlockNumber) external view returns (bool) {
        return block.timestamp >= commitmentFor(l2BlockNumber).committedAt + finalizationPeriodSeconds;
    }
}
