"""eBay's Celery tasks, on the `channels` queue: ids in, service call."""

from celery import shared_task

from channels.marketplaces.ebay.erasure import DELETION_TASK


@shared_task(name=DELETION_TASK, acks_late=True, reject_on_worker_lost=True)
def process_account_deletion(deletion_id: int) -> dict | None:
    from channels.marketplaces.ebay.erasure import account_deletion_process

    deletion = account_deletion_process(deletion_id=deletion_id)
    if deletion is None:
        return None
    return {"state": deletion.state, "orders_erased": deletion.orders_erased, "attempts": deletion.attempts}
