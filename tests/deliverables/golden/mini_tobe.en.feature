# language: en
Feature: Ticket handling

  @path @tickets-path-1 @branch:decide->resolve @branch:split->check_a @branch:split->check_b
  Scenario: Path 1 to “Resolved”
    Given a new case of “Ticket handling” starts: Ticket arrived
    When Agent completes “Take the ticket”
    And the parallel branches “Check A”, “Check B” all run
    And Expert completes “Check A”
    And Expert completes “Check B”
    And Yes: the condition the ticket's solvability is yes [ticket.solvable == true] holds
    And Agent completes “Resolve”
    Then the case ends with “Resolved”
    And the event ticket.opened is published
    And the event ticket.closed is published

  @path @tickets-path-2 @branch:decide->escalate @branch:split->check_a @branch:split->check_b
  Scenario: Path 2 to “Escalated”
    Given a new case of “Ticket handling” starts: Ticket arrived
    When Agent completes “Take the ticket”
    And the parallel branches “Check A”, “Check B” all run
    And Expert completes “Check A”
    And Expert completes “Check B”
    And No: no other condition holds (default branch)
    And Shift lead completes “Escalate”
    Then the case ends with “Escalated”
    And the event ticket.opened is published

  @escalation @tickets-intake-reply_1h-1 @escalation:intake/reply_1h/1
  Scenario: SLA “Reply within 1 hour”: escalation level 1
    Given a case waits at “Take the ticket” (Agent)
    And the SLA “Reply within 1 hour” is 1 h of working time
    When 1 h pass without the step being done
    And 30 min of working time pass
    Then notify Shift lead

  @escalation @tickets-intake-reply_1h-2 @escalation:intake/reply_1h/2
  Scenario: SLA “Reply within 1 hour”: escalation level 2
    Given a case waits at “Take the ticket” (Agent)
    And the SLA “Reply within 1 hour” is 1 h of working time
    When 1 h pass without the step being done
    And escalation level 1 ran and after 30 min the case is still not resolved
    And 1 h of working time pass
    Then reassign to Shift lead

  @rule @tickets-rule-1 @rule:intake/mandatory/intake/ticket.subject
  Scenario: Mandatory field “ticket.subject” at “Take the ticket”
    Given a record at “Take the ticket”
    And the field “ticket.subject” is empty
    When the user moves the record past “Take the ticket”
    Then the system refuses the change
    And the message names the field “ticket.subject”

  @rule @tickets-rule-2 @rule:intake/mandatory/intake/ticket.client
  Scenario: Mandatory field “ticket.client” at “Take the ticket”
    Given a record at “Take the ticket”
    And the field “ticket.client” is empty
    When the user moves the record past “Take the ticket”
    Then the system refuses the change
    And the message names the field “ticket.client”

  @rule @tickets-rule-3 @rule:intake/check/subject_set
  Scenario: Data check “A subject is required” fails
    Given a record at “Take the ticket”
    And the data makes the ticket's subject is filled in [not is_empty(ticket.subject)] false
    When the user saves the record
    Then the system refuses the change
    And the message is: A subject is required

  @rule @tickets-rule-4 @rule:intake/priority/1
  Scenario: Priority high at “Take the ticket”
    Given a record for which the ticket's amount is at least 100,000 [ticket.amount >= 100000] holds
    When a record arrives at “Take the ticket”
    Then the record's priority is high

  @rule @tickets-rule-5 @rule:intake/routing
  Scenario: Routing at “Take the ticket”
    Given people of the roles Agent are available
    When a record arrives at “Take the ticket”
    Then the record is assigned round robin
