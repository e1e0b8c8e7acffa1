// SPDX-License-Identifier: LGPL-2.1-or-later
// The domain face of the object list: the list with the QEMU driver's domain kind.

#include "conf/conf-domain-obj.h"

static const MvObjKind qemu_domain_kind = MV_DOMAIN_KIND_INIT(MV_FROM_QEMU);

MvDomainList *
mv_domain_list_new(void)
{
    return mv_obj_list_new(&qemu_domain_kind);
}

