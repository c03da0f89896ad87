"""DynamoDB persistence: key shapes (:mod:`.keys`), the table wrapper (:mod:`.dynamo`),
paging tokens (:mod:`.paging`) and one repository per aggregate."""
