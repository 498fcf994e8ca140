<?php
// A WebServicesMultidados built with NuSOAP's own WSDL generation from the profile (profile.json,
// written by nusoap-server.ts). Every call's arguments, as NuSOAP decoded them, are appended to
// calls.jsonl so the tests can see what the CRM would store. NuSOAP itself is never committed: the
// harness copies the system's /usr/share/php/nusoap/nusoap.php, patched for PHP 8, next to this file.
error_reporting(E_ALL & ~E_DEPRECATED);
ini_set('display_errors', '0');
require __DIR__ . '/nusoap.php';

$profile = json_decode(file_get_contents(__DIR__ . '/profile.json'), true);
$encoding = getenv('NUSOAP_ENCODING') ?: 'ISO-8859-1';
$service = $profile['service'];
$ns = 'urn:' . $service;

$server = new soap_server();
$server->soap_defencoding = $encoding;
$server->decode_utf8 = $encoding === 'ISO-8859-1';
$server->configureWSDL($service, $ns);
$server->wsdl->schemaTargetNamespace = $ns;

function xsd_type($type) {
    if (is_array($type)) return isset($type['struct']) ? 'tns:' . $type['struct'] : 'tns:' . $type['arrayOf'] . 'Array';
    return 'xsd:' . $type;
}

foreach ($profile['structs'] as $struct) {
    $elements = array();
    foreach ($struct['fields'] as $field) $elements[$field[0]] = array('name' => $field[0], 'type' => xsd_type($field[1]));
    $server->wsdl->addComplexType($struct['name'], 'complexType', 'struct', 'all', '', $elements);
}
foreach ($profile['arrays'] as $item) {
    $server->wsdl->addComplexType($item . 'Array', 'complexType', 'array', '', 'SOAP-ENC:Array', array(),
        array(array('ref' => 'SOAP-ENC:arrayType', 'wsdl:arrayType' => 'tns:' . $item . '[]')), 'tns:' . $item);
}

function record_call($operation, $names, $args) {
    global $server;
    $values = array();
    foreach ($names as $i => $name) $values[$name] = isset($args[$i]) ? $args[$i] : null;
    // What NuSOAP hands the service, back in UTF-8 for the test to compare.
    if ($server->decode_utf8) array_walk_recursive($values, function (&$v) { if (is_string($v)) $v = mb_convert_encoding($v, 'UTF-8', 'ISO-8859-1'); });
    file_put_contents(__DIR__ . '/calls.jsonl', json_encode(array('operation' => $operation, 'params' => $values)) . "\n", FILE_APPEND);
    return $values;
}

// An answer written under the reconstructed field names, sent under the struct's live ones.
function live_fields($output, $values) {
    global $profile;
    foreach ($profile['structs'] as $struct) {
        if ($struct['source'] !== $output) continue;
        $out = array();
        foreach ($values as $k => $v) $out[isset($struct['live'][$k]) ? $struct['live'][$k] : $k] = $v;
        return $out;
    }
    return $values;
}

function handle_call($operation, $output, $names, $args) {
    global $profile;
    $values = record_call($operation, $names, $args);
    // The manual's messages, as a PHP source in UTF-8 holds them: NuSOAP sends these bytes as they are,
    // whatever charset it declares.
    if ($values[$profile['auth'][0]] === 'ip-blocked') return new soap_fault('Server', '', 'Cliente acme Erro Número 1: Esse IP: 127.0.0.1 Não está permitido o acesso a essa função');
    if ($values[$profile['auth'][1]] === 'wrong') return new soap_fault('Client', '', 'USUÁRIO OU SENHA INVÁLIDOS:: ACAO:: Verificar a configuração da integração::');
    if ($output === 'RetornoOrigem') return live_fields($output, array('status' => 'OK', 'codigo' => 0, 'mensagem' => '', 'id_crm' => '7', 'origem' => 'INTEGRACAO'));
    if ($output === 'RetornoLog') return live_fields($output, array('status' => 'OK', 'codigo' => 0, 'mensagem' => '', 'registros' => array()));
    return live_fields($output, array('status' => 'OK', 'codigo' => 0, 'mensagem' => $operation . ' OK', 'id_crm' => '42'));
}

foreach ($profile['operations'] as $op) {
    $in = array();
    foreach ($profile['auth'] as $part) $in[$part] = 'xsd:string';
    foreach ($op['input'] as $part) $in[$part[0]] = xsd_type($part[1]);
    $server->register($op['name'], $in, array($op['response'] => 'tns:' . $op['output']), $ns, $ns . '#' . $op['name'], 'rpc', 'encoded', $op['doc']);
    $names = var_export(array_keys($in), true);
    eval('function ' . $op['name'] . '() { return handle_call(' . var_export($op['name'], true) . ', ' . var_export($op['outputSource'], true) . ', ' . $names . ', func_get_args()); }');
}

$server->service(file_get_contents('php://input'));
