CREATE TABLE `blocks` (
	`number` integer PRIMARY KEY NOT NULL,
	`hash` text NOT NULL,
	`timestamp` integer NOT NULL,
	`base_fee_per_gas` text NOT NULL,
	`gas_used` integer NOT NULL,
	`gas_limit` integer NOT NULL,
	`tip_distribution` text NOT NULL,
	`header` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `blocks_hash_unique` ON `blocks` (`hash`);--> statement-breakpoint
CREATE INDEX `blocks_timestamp` ON `blocks` (`timestamp`);--> statement-breakpoint
CREATE TABLE `logs` (
	`block_number` integer NOT NULL,
	`log_index` integer NOT NULL,
	`transaction_hash` text NOT NULL,
	`address` text NOT NULL,
	`topic0` text,
	`topic1` text,
	`topic2` text,
	`topic3` text,
	`data` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `logs_block` ON `logs` (`block_number`,`log_index`);--> statement-breakpoint
CREATE INDEX `logs_address` ON `logs` (`address`,`block_number`);--> statement-breakpoint
CREATE INDEX `logs_topic0` ON `logs` (`topic0`,`block_number`);--> statement-breakpoint
CREATE TABLE `transactions` (
	`hash` text PRIMARY KEY NOT NULL,
	`block_number` integer NOT NULL,
	`transaction_index` integer NOT NULL,
	`sender` text NOT NULL,
	`recipient` text,
	`transaction` text NOT NULL,
	`receipt` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `transactions_block` ON `transactions` (`block_number`,`transaction_index`);--> statement-breakpoint
CREATE INDEX `transactions_sender` ON `transactions` (`sender`);--> statement-breakpoint
CREATE INDEX `transactions_recipient` ON `transactions` (`recipient`);