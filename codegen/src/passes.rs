//! Passes over the IR that run after a reader and before the emitters.

use crate::ir::{OperationItems, ResourceNode, Service, TypeId, TypeKind, TypeRef};
use crate::names::{self, Scope};
use std::collections::BTreeMap;

/// Runs every pass, in order.
pub fn run(service: &mut Service) {
    box_recursive_fields(service);
    serializable_unions(service);
    decide_item_names(service);
}

/// Decides the Rust name of every item generated per operation and per
/// output or error structure, once, unique in the module it goes to: request
/// builders and parameter structs (types of `operations`), `OperationInfo`
/// statics and reader functions (values of `operations`), error enums
/// (`errors`). Emitters and the protocol tests read them from the IR.
pub fn decide_item_names(service: &mut Service) {
    let raw = |s: &str| s.strip_prefix("r#").unwrap_or(s).to_owned();
    let (mut types, mut values, mut errors) = (Scope::default(), Scope::default(), Scope::default());
    for op in &mut service.operations {
        // Discovery method ids can collide once converted (`a2aTasks.get` and
        // `a2a_tasks.get`); their Rust method names are unique, so derive from those.
        let base = if op.resource.is_empty() { op.name.wire.clone() } else { raw(&op.name.rust) };
        let builder = types.claim(names::type_ident(&base));
        let params = types.claim(format!("{builder}Params"));
        let info = values.claim(raw(&op.name.rust).to_uppercase());
        let error = errors.claim(format!("{}Error", names::type_ident(&op.name.wire)));
        op.items = OperationItems { builder, params, error, info, standard_params: String::new() };
    }
    if service.is_google() {
        decide_resource_names(service);
    }
    let mut structures: Vec<TypeId> =
        service.operations.iter().flat_map(|op| op.output.into_iter().chain(op.errors.iter().copied())).collect();
    structures.sort_unstable();
    structures.dedup();
    service.readers = structures
        .into_iter()
        .map(|id| (id, values.claim(format!("read_{}", raw(&names::field_ident(&service.types[id.0].name.rust))))))
        .collect();
}

/// A Google API's resource tree (from the operations' resource paths) and
/// its names: struct names unique in the crate, and in each resource the
/// accessors of its children, then its methods, unique among its members;
/// each builder's `standard_params` setter clear of its `set_*` setters.
fn decide_resource_names(service: &mut Service) {
    let raw = |s: &str| s.strip_prefix("r#").unwrap_or(s).to_owned();
    // path -> (child resource names in first-seen order, operation indices)
    let mut tree: BTreeMap<Vec<String>, (Vec<String>, Vec<usize>)> = BTreeMap::new();
    tree.entry(Vec::new()).or_default();
    for (i, op) in service.operations.iter().enumerate() {
        for depth in 0..op.resource.len() {
            let entry = tree.entry(op.resource[..depth].to_vec()).or_default();
            if !entry.0.contains(&op.resource[depth]) {
                entry.0.push(op.resource[depth].clone());
            }
            tree.entry(op.resource[..=depth].to_vec()).or_default();
        }
        tree.entry(op.resource.clone()).or_default().1.push(i);
    }
    let mut types = Scope::with_reserved(&["Client"]);
    let type_names: BTreeMap<Vec<String>, String> = tree
        .keys()
        .map(|path| (path.clone(), if path.is_empty() { "Client".to_owned() } else { types.claim(names::type_ident(&path.join("_"))) }))
        .collect();
    let mut resources = BTreeMap::new();
    for (path, (children, methods)) in tree {
        let mut scope = Scope::with_reserved(&["new", "core"]);
        let children = children
            .into_iter()
            .map(|child| {
                let mut child_path = path.clone();
                child_path.push(child.clone());
                (scope.claim(names::field_ident(&child)), child_path)
            })
            .collect();
        let methods = methods.into_iter().map(|i| (scope.claim(names::field_ident(&service.operations[i].method)), i)).collect();
        resources.insert(path.clone(), ResourceNode { type_name: type_names[&path].clone(), children, methods });
    }
    service.resources = resources;
    for i in 0..service.operations.len() {
        let mut scope = Scope::with_reserved(&["new", "input", "send", "pages", "items", "wait", "stream", "rows"]);
        if let Some(TypeKind::Struct(fields)) = service.operations[i].input.map(|id| &service.types[id.0].kind) {
            for f in fields {
                scope.claim(format!("set_{}", raw(&f.name.rust)));
            }
        }
        service.operations[i].items.standard_params = scope.claim("standard_params".to_owned());
    }
}

/// Unions always derive `Serialize` (its attributes carry the wire names
/// the `schemars` derive reads), so everything they hold must serialize too.
pub fn serializable_unions(service: &mut Service) {
    let unions: Vec<TypeId> =
        (0..service.types.len()).map(TypeId).filter(|id| matches!(service.ty(*id).kind, TypeKind::Union(_))).collect();
    mark_usage(service, unions, true);
}

/// Sets [`crate::ir::Usage`] of every type from the operations: types
/// reachable from an input are sent, from an output or error received.
pub fn compute_usage(service: &mut Service) {
    let mut roots_in = Vec::new();
    let mut roots_out = Vec::new();
    for op in &service.operations {
        roots_in.extend(op.input);
        roots_out.extend(op.output);
        roots_out.extend(op.errors.iter().copied());
    }
    mark_usage(service, roots_in, true);
    mark_usage(service, roots_out, false);
}

/// Marks `roots` and everything they contain as sent (`input`) or received.
pub fn mark_usage(service: &mut Service, roots: Vec<TypeId>, input: bool) {
    let mut seen = vec![false; service.types.len()];
    let mut stack = roots;
    while let Some(id) = stack.pop() {
        if std::mem::replace(&mut seen[id.0], true) {
            continue;
        }
        let t = &mut service.types[id.0];
        if input {
            t.usage.input = true
        } else {
            t.usage.output = true
        }
        if let TypeKind::Struct(fields) | TypeKind::Union(fields) = &t.kind {
            for f in fields {
                f.ty.visit_named(&mut |n| stack.push(n));
            }
        }
    }
}

/// The type a field holds inline (not behind a `Vec`/`HashMap` indirection).
fn direct_target(ty: &TypeRef) -> Option<TypeId> {
    match ty {
        TypeRef::Named(id) => Some(*id),
        _ => None,
    }
}

/// Marks fields `boxed` where a structure or union would otherwise contain
/// itself: every inline edge inside a strongly connected component of the
/// "contains inline" graph is boxed. Lists and maps already allocate, so
/// they break cycles by themselves.
pub fn box_recursive_fields(service: &mut Service) {
    let n = service.types.len();
    let edges: Vec<Vec<usize>> = service
        .types
        .iter()
        .map(|t| match &t.kind {
            TypeKind::Struct(fields) | TypeKind::Union(fields) => {
                fields.iter().filter_map(|f| direct_target(&f.ty)).map(|id| id.0).collect()
            }
            _ => Vec::new(),
        })
        .collect();
    let component = tarjan(n, &edges);
    for (i, t) in service.types.iter_mut().enumerate() {
        if let TypeKind::Struct(fields) | TypeKind::Union(fields) = &mut t.kind {
            for f in fields {
                if let Some(target) = direct_target(&f.ty) {
                    f.boxed = component[target.0] == component[i];
                }
            }
        }
    }
}

/// Strongly connected components (iterative Tarjan); returns a component id
/// per node. Deterministic: nodes are visited in index order.
fn tarjan(n: usize, edges: &[Vec<usize>]) -> Vec<usize> {
    const UNSET: usize = usize::MAX;
    let mut index = vec![UNSET; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut comp = vec![UNSET; n];
    let mut next_index = 0;
    let mut next_comp = 0;
    for root in 0..n {
        if index[root] != UNSET {
            continue;
        }
        // (node, next edge position)
        let mut work = vec![(root, 0usize)];
        while let Some(&mut (v, ref mut pos)) = work.last_mut() {
            if *pos == 0 && index[v] == UNSET {
                index[v] = next_index;
                low[v] = next_index;
                next_index += 1;
                stack.push(v);
                on_stack[v] = true;
            }
            if let Some(&w) = edges[v].get(*pos) {
                *pos += 1;
                if index[w] == UNSET {
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    comp[w] = next_comp;
                    if w == v {
                        break;
                    }
                }
                next_comp += 1;
            }
        }
    }
    comp
}

#[cfg(test)]
mod tests {
    use super::tarjan;

    #[test]
    fn finds_self_loops_and_cycles() {
        // 0 -> 0 (self), 1 -> 2 -> 1 (cycle), 3 -> 1 (not in cycle)
        let edges = vec![vec![0], vec![2], vec![1], vec![1]];
        let c = tarjan(4, &edges);
        assert_eq!(c[1], c[2]);
        assert_ne!(c[3], c[1]);
        assert_ne!(c[0], c[1]);
    }
}
