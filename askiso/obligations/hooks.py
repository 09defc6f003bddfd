"""Filing a case of an obligated request type files the obligation, in the case's own transaction.

create_case (askiso/cases/services.py) sends case_created after the insert for
every new case, from a page, the API or email alike.
"""

from askiso.cases import signals
from askiso.obligations.services import on_case_created

signals.case_created.connect(on_case_created)
