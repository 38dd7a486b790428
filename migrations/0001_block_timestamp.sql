-- geth 1.16 puts the block's timestamp (`blockTimestamp`, a hex quantity) on every mined
-- transaction and every log. Rows indexed before Velox wrote it get their block's here: the
-- transaction object, and each log of the receipt, in order.
UPDATE `transactions`
SET `transaction` = json_set(
  `transaction`,
  '$.blockTimestamp',
  (SELECT printf('0x%x', `blocks`.`timestamp`) FROM `blocks` WHERE `blocks`.`number` = `transactions`.`block_number`)
)
WHERE json_extract(`transaction`, '$.blockTimestamp') IS NULL;
--> statement-breakpoint
UPDATE `transactions`
SET `receipt` = json_set(
  `receipt`,
  '$.logs',
  json((
    SELECT json_group_array(json(json_set(`log`.`value`, '$.blockTimestamp', printf('0x%x', `blocks`.`timestamp`))) ORDER BY `log`.`key`)
    FROM json_each(`transactions`.`receipt`, '$.logs') AS `log`, `blocks`
    WHERE `blocks`.`number` = `transactions`.`block_number`
  ))
)
WHERE json_array_length(`receipt`, '$.logs') > 0
  AND json_extract(`receipt`, '$.logs[0].blockTimestamp') IS NULL;
