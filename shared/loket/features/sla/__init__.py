"""SLA clocks in business time. Pure Python, no AWS.

* `calendar`: when the helpdesk is open (time zone, weekly hours, public holidays, custom dates) and the business-time
  arithmetic (`Calendar.add`, `Calendar.subtract`, `Calendar.elapsed`,
  `Calendar.next_open`);
* `policy`: which targets a ticket gets (ordered policies, first match) and for how long;
* `clock`: a ticket's timeline -> each metric's state, deadlines and SLA events (`evaluate`).
"""
