"""The trigger table the edge tests share (the incoming-lead process of the shipped To-Be example)."""

from __future__ import annotations

TABLE = """\
triggers: 1
rules:
  - id: lead_from_bitrix24
    source: bitrix24
    event: ONCRMLEADADD
    start: {process: lead_processing, business_key: lead_id}
  - id: deal_moved
    source: bitrix24
    event: ONCRMDEALUPDATE
    message: {name: deal_updated, correlation_key: deal_id}
  - id: lead_from_amocrm
    source: amocrm
    event: leads.add
    start: {process: lead_processing, business_key: lead_id}
  - id: lead_won_in_amocrm
    source: amocrm
    event: leads.status
    when: 'keys.status_id == "142"'
    message: {name: lead_won, correlation_key: lead_id}
  - id: call_logged
    source: bus
    event: call.logged
    message: {name: call_logged, correlation_key: phone}
    variables: {duration_s: data.duration}
  - id: call_logged_json
    source: json
    event: call.logged
    message: {name: call_logged, correlation_key: phone}
"""
